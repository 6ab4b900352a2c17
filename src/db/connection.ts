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

export async function pingDatabase(): Promise<boolean> {
  if (mongoose.connection.readyState !== 1) return false;
  try {
    await mongoose.connection.db?.admin().ping();
    return true;
  } catch {
    return false;
  }
}
