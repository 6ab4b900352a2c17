import mongoose from 'mongoose';
import { isDuplicateKey } from './duplicate-key.ts';
import { QUERY_WRITES } from './query-writes.ts';

/**
 * What rarely changes (universities, relying parties, SAML IdPs) is kept in each process instead of
 * being read on every request. Any write to those collections through their models moves one shared
 * stamp; every process polls the stamp and drops its caches when it has moved, so a change made by
 * another process (the operator CLI, another instance) is seen within one poll interval, and a
 * change made in this process at once.
 */
const StampModel = mongoose.model(
  'ChangeStamp',
  new mongoose.Schema({ _id: { type: String, required: true }, n: { type: Number, default: 0 } }, { versionKey: false }),
  'change_stamps',
);
const STAMP = 'settings';
/** Moved by the operator CLI after it rotates signing or SAML SP keys (files in KEYS_DIR). */
const KEYS_STAMP = 'keys';

const caches = new Set<Map<string, unknown>>();
/** Moves with every local drop, so a read that began before it does not store what it read. */
let generation = 0;

function dropCaches(): void {
  generation++;
  for (const cache of caches) cache.clear();
}

async function moveStamp(id: string): Promise<void> {
  try {
    await StampModel.updateOne({ _id: id }, { $inc: { n: 1 } }, { upsert: true });
  } catch (error) {
    // Two first changes at once: one upsert inserts, the other finds the stamp there.
    if (!isDuplicateKey(error)) throw error;
    await StampModel.updateOne({ _id: id }, { $inc: { n: 1 } });
  }
}

/** Drops this process's caches now and tells the others through the stamp. */
export async function recordChange(): Promise<void> {
  dropCaches();
  await moveStamp(STAMP);
}

/** Tells every running process that the keys in KEYS_DIR changed (they read them again). */
export const recordKeyChange = () => moveStamp(KEYS_STAMP);

/** Makes every write through this schema's model record a change (the cached collections' models). */
export function trackChanges(schema: mongoose.Schema): void {
  const changed = () => recordChange();
  schema.post('save', changed);
  schema.post('insertMany', changed);
  schema.post(QUERY_WRITES, { query: true, document: false }, changed);
  schema.post('deleteOne', { document: true, query: false }, changed);
}

/** A process-wide cache of documents by key, dropped whenever the stamp moves. Misses are not kept. */
export class StampedCache<T> {
  private readonly entries = new Map<string, T>();

  constructor() {
    caches.add(this.entries as Map<string, unknown>);
  }

  async get(key: string, load: () => Promise<T | null | undefined>): Promise<T | undefined> {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const before = generation;
    const value = (await load()) ?? undefined;
    if (value !== undefined && before === generation) this.entries.set(key, value);
    return value;
  }
}

/** Both stamps in one read (the collection holds two documents); undefined while the database is away. */
async function readStamps(): Promise<{ settings: number; keys: number } | undefined> {
  try {
    const stamps = await StampModel.find({}).lean();
    const n = (id: string) => stamps.find((stamp) => stamp._id === id)?.n ?? 0;
    return { settings: n(STAMP), keys: n(KEYS_STAMP) };
  } catch {
    return undefined; // the database is away: keep what we have and look again next time
  }
}

/**
 * Starts from empty caches on this connection and polls the stamps every `intervalMs`: caches are
 * dropped when the settings stamp moves, `onKeysChanged` runs when the keys stamp does. Returns the
 * function that stops polling.
 */
export async function watchChanges(intervalMs: number, onKeysChanged?: () => Promise<void>): Promise<() => void> {
  dropCaches();
  let seen = await readStamps();
  const timer = setInterval(async () => {
    const now = await readStamps();
    if (!now) return;
    if (now.settings !== seen?.settings) dropCaches();
    if (seen && now.keys !== seen.keys) await onKeysChanged?.();
    seen = now;
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
