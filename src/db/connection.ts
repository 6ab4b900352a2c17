import mongoose from 'mongoose';

export class DatabaseUnreachableError extends Error {}

/** Connects and proves the server answers; failure is one clear error naming the host, no stack. */
export async function connectDatabase(
  uri: string,
  serverSelectionTimeoutMs: number,
  monitorCommands = false,
): Promise<typeof mongoose> {
  mongoose.set('strictQuery', true);
  try {
    // monitorCommands: off in production, where nothing counts commands (each would build an event).
    await mongoose.connect(uri, { serverSelectionTimeoutMS: serverSelectionTimeoutMs, autoIndex: true, monitorCommands });
    await mongoose.connection.db?.admin().ping();
  } catch (error) {
    await mongoose.disconnect().catch(() => undefined);
    throw new DatabaseUnreachableError(`cannot reach the database at ${redactUri(uri)}: ${(error as Error).message}`);
  }
  await Promise.all(Object.values(mongoose.connection.models).map((model) => model.init()));
  return mongoose;
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
