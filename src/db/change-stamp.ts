import mongoose from 'mongoose';
import { isDuplicateKey } from './models/account.ts';
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

const caches = new Set<Map<string, unknown>>();
/** Moves with every local drop, so a read that began before it does not store what it read. */
let generation = 0;

function dropCaches(): void {
  generation++;
  for (const cache of caches) cache.clear();
}

/** Drops this process's caches now and tells the others through the stamp. */
export async function recordChange(): Promise<void> {
  dropCaches();
  try {
    await StampModel.updateOne({ _id: STAMP }, { $inc: { n: 1 } }, { upsert: true });
  } catch (error) {
    // Two first changes at once: one upsert inserts, the other finds the stamp there.
    if (!isDuplicateKey(error)) throw error;
    await StampModel.updateOne({ _id: STAMP }, { $inc: { n: 1 } });
  }
}

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

async function readStamp(): Promise<number | undefined> {
  try {
    return (await StampModel.findById(STAMP).lean())?.n ?? 0;
  } catch {
    return undefined; // the database is away: keep what we have and look again next time
  }
}

/**
 * Starts from empty caches on this connection and polls the stamp every `intervalMs`; returns the
 * function that stops polling.
 */
export async function watchChanges(intervalMs: number): Promise<() => void> {
  dropCaches();
  let seen = await readStamp();
  const timer = setInterval(async () => {
    const n = await readStamp();
    if (n === undefined) return;
    if (n !== seen) dropCaches();
    seen = n;
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
