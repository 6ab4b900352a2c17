import mongoose from 'mongoose';
import { QUERY_WRITES } from './query-writes.ts';

/**
 * Documents as relying parties read them, kept a few seconds in the process (used for accounts:
 * a login reads the account, then its code exchange and the relying party's userinfo read it again
 * within moments). A write through the model drops the entry at once here; another process's write
 * is seen within `ttlMs`. Never used to check a password or a state that decides a login: those are
 * always read from the database.
 */
export class ReadCache<T extends { _id: { toString(): string } }> {
  private readonly entries = new Map<string, { doc: T; until: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(ttlMs = 5_000, maxEntries = 10_000) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  get(id: string): T | undefined {
    const entry = this.entries.get(id);
    if (entry && entry.until > Date.now()) return entry.doc;
    if (entry) this.entries.delete(id);
    return undefined;
  }

  remember(doc: T): void {
    const id = doc._id.toString();
    this.entries.delete(id);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(id, { doc, until: Date.now() + this.ttlMs });
  }

  /** Drops the cached copy of whatever documents a write through this schema's model touched. */
  forgetOnWrite(schema: mongoose.Schema): void {
    const entries = this.entries;
    const forget = function (this: mongoose.Query<unknown, unknown>) {
      const id = this.getFilter()._id;
      if (typeof id === 'string' || id instanceof mongoose.Types.ObjectId) entries.delete(String(id));
      else entries.clear();
    };
    schema.post(QUERY_WRITES, { query: true, document: false }, forget);
    schema.post('save', (doc: { _id: unknown }) => {
      entries.delete(String(doc._id));
    });
  }
}
