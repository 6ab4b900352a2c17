import mongoose from 'mongoose';
import { messageOf } from '../errors.ts';

export class DatabaseUnreachableError extends Error {}

/**
 * Connects and proves the server answers; failure is one clear error naming the host, no stack.
 * Nothing is created on connect (no autoIndex, no autoCreate): collections and indexes that are
 * missing are made once by ensureIndexes, so operator commands and a second instance starting beside
 * a busy service send no DDL, which takes FerretDB's metadata lock and stops every other command.
 * `maxPoolSize`: an operator command needs few connections (docs/embedded-database.md, the budget).
 * Resolves with the indexes it had to create.
 */
export async function connectDatabase(
  uri: string,
  serverSelectionTimeoutMs: number,
  monitorCommands = false,
  maxPoolSize?: number,
): Promise<string[]> {
  mongoose.set('strictQuery', true);
  try {
    // monitorCommands: off in production, where nothing counts commands (each would build an event).
    await mongoose.connect(uri, {
      serverSelectionTimeoutMS: serverSelectionTimeoutMs,
      autoIndex: false,
      autoCreate: false,
      monitorCommands,
      ...(maxPoolSize ? { maxPoolSize } : {}),
    });
    await mongoose.connection.db?.admin().ping();
  } catch (error) {
    await mongoose.disconnect().catch(() => undefined);
    throw new DatabaseUnreachableError(`cannot reach the database at ${redactUri(uri)}: ${messageOf(error)}`);
  }
  return ensureIndexes();
}

/**
 * Creates the collections and indexes the models declare that the database lacks, and only those
 * (listing them takes no lock); returns what it created, as `collection.index`. The service runs it
 * at start before it listens, an operator command on connect (a no-op once the service has run), and
 * `cli db indexes` at deploy (docs/operations.md).
 */
export async function ensureIndexes(): Promise<string[]> {
  const db = mongoose.connection.db;
  if (!db) throw new Error('not connected');
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  const created: string[] = [];
  for (const model of Object.values(mongoose.connection.models)) {
    const name = model.collection.collectionName;
    if (!existing.has(name)) {
      await model.createCollection().catch((error: { code?: number }) => {
        if (error.code !== 48) throw error; // NamespaceExists: another process made it meanwhile
      });
      existing.add(name);
    }
    const { toCreate } = await model.diffIndexes();
    if (toCreate.length === 0) continue;
    await model.createIndexes();
    created.push(...toCreate.map((index) => `${name}.${Object.keys(index as object).join('_')}`));
  }
  return created;
}

export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

/**
 * Readiness: a real ping, bounded so a probe never hangs for the whole server-selection timeout.
 * Not mongoose's readyState, which lags the driver (it turns on heartbeat events and a staleness
 * guess); asking the driver also makes it re-check a server it last saw down at once.
 */
export async function pingDatabase(timeoutMS = 2000): Promise<boolean> {
  const db = mongoose.connection.db;
  if (!db) return false;
  try {
    await db.admin().ping({ timeoutMS });
    return true;
  } catch {
    return false;
  }
}
