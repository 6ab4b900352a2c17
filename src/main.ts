// The service's entry point. libuv's thread pool runs every argon2id hash, each holding 19 MiB while
// it runs (kept by the thread's allocator after): one thread per core (at least two) hashes as fast
// as four on two cores and holds less memory. Set before anything queues work on the pool.
// Run it as `node --max-semi-space-size=8 src/main.ts` (npm start does): V8's young generation
// otherwise grows to 64 MiB under load; the flag keeps a process about 40 MiB smaller at the same
// login rate, and V8 reads it only from the command line.
import { availableParallelism } from 'node:os';

process.env.UV_THREADPOOL_SIZE ??= String(Math.max(2, availableParallelism()));
await import('./serve.ts');
