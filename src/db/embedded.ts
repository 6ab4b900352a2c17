// The embedded database for development, tests and benchmarks: FerretDB 1.24 (MongoDB's wire
// protocol) on a private PostgreSQL cluster. Production sets MONGODB_URI to a real MongoDB instead.
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FerretDb, portAnswers, startFerretDB } from './embedded/ferretdb.ts';
import { installGinMirror } from './embedded/gin-mirror.ts';
import { type PrivateCluster, startPrivateCluster } from './embedded/postgres.ts';
import { ProcessLog } from './embedded/process-log.ts';
import { type SupervisorOptions, supervise } from './embedded/supervisor.ts';

export { ferretdbBinary, portAnswers } from './embedded/ferretdb.ts';

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
  /** The processes now serving it (for the tests that kill them). */
  pids(): { ferretdb: number; postgres: number } | undefined;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  port: number;
  dataDir: string;
  throwAway?: boolean;
  /** Watch both processes and start them again (the service, the test runner); off for short-lived ones. */
  supervise?: Pick<SupervisorOptions, 'watchMs' | 'hangMs' | 'onRestart' | 'onFailure'>;
}

/**
 * Starts the private PostgreSQL cluster (created on first use under `dataDir/postgres`), mirrors
 * FerretDB's indexes into ones PostgreSQL can use, then FerretDB on a loopback port; their output goes
 * to `dataDir/logs`. When the port already answers (the service is running and an operator command
 * joins it) we reuse it instead.
 */
export async function startEmbeddedDb(options: EmbeddedOptions): Promise<EmbeddedDb> {
  const uri = `mongodb://127.0.0.1:${options.port}/?maxPoolSize=${SERVICE_POOL}`;
  const databaseUri = (name: string) => uri.replace('/?', `/${name}?`);
  if (await portAnswers(options.port)) {
    return { uri, databaseUri, owned: false, pids: () => undefined, stop: async () => undefined };
  }
  const dataDir = resolve(projectRoot, options.dataDir);
  const logs = {
    postgres: new ProcessLog(join(dataDir, 'logs'), 'postgres'),
    ferretdb: new ProcessLog(join(dataDir, 'logs'), 'ferretdb'),
  };
  const startCluster = async () => {
    const cluster = await startPrivateCluster(join(dataDir, 'postgres'), {
      throwAway: options.throwAway ?? false,
      maxConnections: POSTGRES_MAX_CONNECTIONS,
      log: logs.postgres,
    });
    try {
      installGinMirror(cluster);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  };
  const startFerret = (cluster: PrivateCluster) =>
    startFerretDB({
      port: options.port,
      stateDir: join(dataDir, 'ferretdb'),
      socketDir: cluster.socketDir,
      poolSize: FERRETDB_POOL,
      log: logs.ferretdb,
    });
  const endFerret = async (ferretdb: FerretDb) => {
    if (ferretdb.running()) ferretdb.child.kill('SIGTERM');
    await ferretdb.exited;
  };

  let cluster = await startCluster();
  let ferretdb: FerretDb;
  try {
    ferretdb = await startFerret(cluster);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  const stopSupervising = options.supervise
    ? supervise(
        {
          uri,
          current: () => ({ cluster, ferretdb }),
          async restartFerretDB() {
            await endFerret(ferretdb);
            ferretdb = await startFerret(cluster);
          },
          async restartAll() {
            await endFerret(ferretdb);
            await cluster.stop();
            cluster = await startCluster();
            ferretdb = await startFerret(cluster);
          },
        },
        { ...options.supervise, dumpsDir: join(dataDir, 'dumps'), ferretdbLog: logs.ferretdb },
      )
    : async () => undefined;
  return {
    uri,
    databaseUri,
    owned: true,
    pids: () => ({ ferretdb: ferretdb.child.pid as number, postgres: cluster.pid }),
    async stop() {
      await stopSupervising();
      await endFerret(ferretdb);
      await cluster.stop();
      await Promise.all([logs.ferretdb.close(), logs.postgres.close()]);
    },
  };
}
