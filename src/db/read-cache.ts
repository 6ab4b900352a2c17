import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { followChanges, publishChange } from './protocol-store.ts';
import { QUERY_WRITES } from './query-writes.ts';

/** This process, so that it does not act on the changes it published itself (it dropped them already). */
const ORIGIN = randomUUID();
const caches = new Map<string, ReadCache<never>>();
/** Off until this process follows the change channel, and whenever it may miss a message. */
let following = false;

/**
 * Documents as relying parties read them, kept in the process (used for accounts: a login reads the
 * account, then its code exchange and every userinfo call read it again). A write through the model
 * drops the entry here at once and in every other process as soon as the store delivers the change
 * (X4, src/db/protocol-store.ts); while this process may miss such messages, nothing is served from the
 * cache. Never used to check a password or a state that decides a login: those are always read.
 */
export class ReadCache<T extends { _id: { toString(): string } }> {
  private readonly entries = new Map<string, { doc: T; until: number }>();
  /** Moves with every drop, so that a read begun before it does not keep what it read. */
  private generation = 0;

  private readonly name: string;
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(name: string, ttlMs = 30_000, maxEntries = 10_000) {
    this.name = name;
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
    caches.set(name, this as unknown as ReadCache<never>);
  }

  /** The document `id` from the cache, or from `load` (kept when nothing changed meanwhile). */
  async read(id: string, load: () => Promise<T | null>): Promise<T | null> {
    const entry = following ? this.entries.get(id) : undefined;
    if (entry && entry.until > Date.now()) return entry.doc;
    const before = this.generation;
    const doc = await load();
    if (doc && before === this.generation) this.remember(doc);
    return doc;
  }

  /** Keeps `doc` as this process just wrote it. */
  remember(doc: T): void {
    if (!following) return;
    const id = doc._id.toString();
    this.entries.delete(id);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(id, { doc, until: Date.now() + this.ttlMs });
  }

  /** Drops `id` (or everything: undefined). */
  drop(id?: string): void {
    this.generation++;
    if (id === undefined) this.entries.clear();
    else this.entries.delete(id);
  }

  /** Drops the cached copy of whatever documents a write through this schema's model touched, here and everywhere. */
  forgetOnWrite(schema: mongoose.Schema): void {
    const forget = (id: unknown) => {
      const one = typeof id === 'string' || id instanceof mongoose.Types.ObjectId ? String(id) : undefined;
      this.drop(one);
      return publishChange(`${ORIGIN} ${this.name} ${one ?? '*'}`);
    };
    schema.post(QUERY_WRITES, { query: true, document: false }, function (this: mongoose.Query<unknown, unknown>) {
      return forget(this.getFilter()._id);
    });
    schema.post('save', (doc: { _id: unknown }) => forget(doc._id));
  }
}

/** Follows the changes other processes publish (the service does; a short operator command does not need to). */
export function followCacheChanges(): Promise<void> {
  return followChanges(
    (message) => {
      const [origin, name, id] = message.split(' ');
      if (origin !== ORIGIN) caches.get(name as string)?.drop(id === '*' ? undefined : id);
    },
    (on) => {
      following = on;
      if (!on) for (const cache of caches.values()) cache.drop();
    },
  );
}
