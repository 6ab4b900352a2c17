// The embedded database for development, tests and benchmarks: FerretDB 1.24 (MongoDB's wire
// protocol) on a private PostgreSQL cluster. Production sets MONGODB_URI to a real MongoDB instead.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installGinMirror } from './embedded/gin-mirror.ts';
import { CLUSTER_USER, startPrivateCluster } from './embedded/postgres.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The connection budget that keeps FerretDB 1.24 from deadlocking (issue 24, docs/embedded-database.md).
 * A command of ours holds at most two of FerretDB's PostgreSQL connections at once (a query and the
 * write it makes; our bulk writes are shaped so, src/db/replace-by-id.ts), and each client connection
 * carries one command at a time. So while every client's connections together stay under half of
 * FERRETDB_POOL, a command always finds a PostgreSQL connection, and one holding the metadata lock
 * (createIndexes, create) always finishes.
 */
export const FERRETDB_POOL = 100;
/** The driver's connections of one service instance: 10 × 2 per command, room for four more processes. */
export const SERVICE_POOL = 10;
/** PostgreSQL's limit: FerretDB's pool, and a few for psql and PostgreSQL's own reserve. */
const POSTGRES_MAX_CONNECTIONS = FERRETDB_POOL + 10;

/** Where scripts/setup.ts installs FerretDB; FERRETDB_BIN overrides. */
export function ferretdbBinary(): string {
  return process.env.FERRETDB_BIN ?? resolve(projectRoot, '.tools/bin/ferretdb');
}

export function portAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** A fresh data folder for a throw-away database, open to PostgreSQL's own user when we are root. */
export function throwAwayDataDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

export interface EmbeddedDb {
  /** The server's address with the service's pool size (SERVICE_POOL). */
  uri: string;
  /** The address of one database on it, with the same options. */
  databaseUri(name: string): string;
  /** False when another process of ours already served this data folder and we only joined it. */
  owned: boolean;
  stop(): Promise<void>;
}

async function startFerretDB(port: number, stateDir: string, socketDir: string) {
  const binary = ferretdbBinary();
  if (!existsSync(binary)) throw new Error(`FerretDB is not installed at ${binary}; run "npm run setup"`);
  mkdirSync(stateDir, { recursive: true });
  const postgresUrl = `postgres://${CLUSTER_USER}@/postgres?host=${encodeURIComponent(socketDir)}&pool_max_conns=${FERRETDB_POOL}`;
  const child = spawn(
    binary,
    [
      '--handler=postgresql',
      `--postgresql-url=${postgresUrl}`,
      `--state-dir=${stateDir}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const deadline = Date.now() + 15_000;
  while (!(await portAnswers(port))) {
    if (child.exitCode !== null) throw new Error(`FerretDB exited at start: ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('FerretDB did not start within 15 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, exited };
}

/**
 * Starts the private PostgreSQL cluster (created on first use under `dataDir`), mirrors FerretDB's
 * indexes into ones PostgreSQL can use, then FerretDB on a loopback port. When the port already
 * answers (the service is running and an operator command joins it) we reuse it instead.
 */
export async function startEmbeddedDb(options: { port: number; dataDir: string; throwAway?: boolean }): Promise<EmbeddedDb> {
  const uri = `mongodb://127.0.0.1:${options.port}/?maxPoolSize=${SERVICE_POOL}`;
  const databaseUri = (name: string) => uri.replace('/?', `/${name}?`);
  if (await portAnswers(options.port)) return { uri, databaseUri, owned: false, stop: async () => undefined };
  const dataDir = resolve(projectRoot, options.dataDir);
  const cluster = await startPrivateCluster(join(dataDir, 'postgres'), {
    throwAway: options.throwAway ?? false,
    maxConnections: POSTGRES_MAX_CONNECTIONS,
  });
  let ferretdb: { child: ChildProcess; exited: Promise<void> };
  try {
    installGinMirror(cluster);
    ferretdb = await startFerretDB(options.port, join(dataDir, 'ferretdb'), cluster.socketDir);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return {
    uri,
    databaseUri,
    owned: true,
    async stop() {
      if (ferretdb.child.exitCode === null) ferretdb.child.kill('SIGTERM');
      await ferretdb.exited;
      await cluster.stop();
    },
  };
}
