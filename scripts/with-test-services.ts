// Runs a command (the test runner) with a fresh embedded database (FerretDB on a private PostgreSQL)
// and a protocol store (redis-server) on free loopback ports and a throw-away data folder, then stops
// them. With MONGODB_URI or REDIS_URL set, that server is used instead.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startEmbeddedRedis } from '../src/db/embedded/redis.ts';
import { startEmbeddedDb, throwAwayDataDir } from '../src/db/embedded.ts';
import { freePort } from '../src/dev/free-port.ts';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: with-test-services.ts COMMAND [ARGS...]');
  process.exit(2);
}

let uri = process.env.MONGODB_URI;
let stop: () => Promise<void> = async () => {};
const dataDir = throwAwayDataDir('cert-idp-test-db-');
if (!uri) {
  // Supervised like the service's: a test database that hangs or dies comes back, and says so.
  const db = await startEmbeddedDb({
    port: await freePort(),
    dataDir,
    throwAway: true,
    supervise: {
      watchMs: 5000,
      hangMs: 30_000,
      onRestart: (event) => console.error(`with-test-services: the test database was restarted: ${JSON.stringify(event)}`),
      onFailure: (error) => console.error(`with-test-services: the test database could not be started again: ${error.message}`),
    },
  });
  uri = db.uri;
  stop = () => db.stop();
}

let redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  const redis = await startEmbeddedRedis({ port: await freePort(), dataDir, throwAway: true });
  redisUrl = redis.url;
  const stopDb = stop;
  stop = async () => {
    await redis.stop();
    await stopDb();
  };
}

// Node's compile cache for the test files and the processes they start: each loads the same few hundred
// modules, which are then read from V8's cache after the first (Node checks each entry's source hash).
const compileCache =
  process.env.NODE_COMPILE_CACHE ?? fileURLToPath(new URL('../node_modules/.cache/node-compile-cache', import.meta.url));
const child = spawn(command, args, {
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test', TEST_MONGODB_URI: uri, TEST_REDIS_URL: redisUrl, NODE_COMPILE_CACHE: compileCache },
});
// Interrupted (Ctrl-C, a CI time-out): pass it on to the command; the database stops once it has ended.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
const code = await new Promise<number>((done) => child.once('exit', (c, signal) => done(c ?? (signal ? 1 : 0))));
await stop();
rmSync(dataDir, { recursive: true, force: true });
process.exit(code);
