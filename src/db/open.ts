import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { connectDatabase } from './connection.ts';
import { startEmbeddedRedis } from './embedded/redis.ts';
import { type EmbeddedDb, startEmbeddedDb } from './embedded.ts';
import { closeProtocolStore, connectProtocolStore } from './protocol-store.ts';

// Here, not in the service's start-up (src/service.ts): an operator command opens the database without
// loading the whole service (oidc-provider, Koa, the image libraries) — a second less per command.

/** The driver's command events: for the tests' and benchmark's counts, and for metrics when they are on. */
export const commandEvents = (config: Config) => config.mongodb.monitorCommands || config.metrics.port > 0;

/** An operator command's share of the database connections (docs/embedded-database.md, the budget). */
export const OPERATOR_POOL_SIZE = 2;

/**
 * Resolves the database: MONGODB_URI when set, else the embedded FerretDB (never in production).
 * `operator`: a CLI command, which needs only a couple of connections.
 */
export async function openDatabase(config: Config, operator = false, logger?: Logger): Promise<OpenDatabase> {
  if (config.env === 'production' && !config.mongodb.uri) throw new ConfigError('MONGODB_URI must be set in production');
  if (config.env === 'production' && !config.redis.url) throw new ConfigError('REDIS_URL must be set in production');
  const database = await openMongo(config, operator, logger);
  try {
    const closeStore = await openProtocolStore(config);
    return {
      ...database,
      async close() {
        await closeStore();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** REDIS_URL when set, else the embedded redis-server (never in production); returns how to close it. */
async function openProtocolStore(config: Config): Promise<() => Promise<void>> {
  if (config.redis.url) {
    await connectProtocolStore(config.redis.url, config.redis.prefix);
    return closeProtocolStore;
  }
  const dataDir = resolve(projectRoot, config.embeddedDb.dataDir);
  const redis = await startEmbeddedRedis({ port: config.embeddedDb.redisPort, dataDir, throwAway: false });
  try {
    await connectProtocolStore(redis.url, config.redis.prefix);
  } catch (error) {
    await redis.stop();
    throw error;
  }
  return async () => {
    await closeProtocolStore();
    await redis.stop();
  };
}

async function openMongo(config: Config, operator: boolean, logger?: Logger): Promise<OpenDatabase> {
  const pool = operator ? OPERATOR_POOL_SIZE : undefined;
  const timeout = config.mongodb.serverSelectionTimeoutMs;
  if (config.mongodb.uri) {
    const createdIndexes = await connectDatabase(config.mongodb.uri, timeout, commandEvents(config), pool);
    return { createdIndexes, close: async () => undefined };
  }
  const { port, dataDir, watchSeconds, hangSeconds } = config.embeddedDb;
  // The service watches what it started and starts it again (an operator command is gone too soon).
  const supervise = logger && {
    watchMs: watchSeconds * 1000,
    hangMs: hangSeconds * 1000,
    onRestart: (event: object) => logger.error(event, 'embedded database restarted'),
    onFailure: (error: Error) => logger.error({ err: error }, 'embedded database could not be started again; trying again'),
  };
  const embedded = await startEmbeddedDb({ port, dataDir, supervise });
  const createdIndexes = await connectDatabase(embedded.databaseUri('cert-idp'), timeout, commandEvents(config), pool);
  return { createdIndexes, close: () => embedded.stop(), embedded };
}

export interface OpenDatabase {
  /** The indexes that were missing and were made on connect. */
  createdIndexes: string[];
  close(): Promise<void>;
  /** The embedded database, when this process started it or joined it. */
  embedded?: EmbeddedDb;
}
