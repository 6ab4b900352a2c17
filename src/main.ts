// The service's entry point. libuv's thread pool runs every argon2id hash, each holding 19 MiB while
// it runs (kept by the thread's allocator after): one thread per core (at least two) hashes as fast
// as four on two cores and holds less memory. Set before anything queues work on the pool.
// Run it as `node --max-semi-space-size=8 --max-old-space-size=512 src/main.ts` (npm start does):
// V8's young generation otherwise grows to 64 MiB under load, and without a stated limit V8 sizes
// the old generation by the machine's memory and lets it grow under load (a process about 120 MiB
// larger after a burst of logins, refreshes and userinfo; bench/peer-keycloak.ts). 512 MiB is
// Keycloak's own default heap limit. V8 reads both only from the command line.
import { availableParallelism } from 'node:os';

process.env.UV_THREADPOOL_SIZE ??= String(Math.max(2, availableParallelism()));
await import('./serve.ts');
