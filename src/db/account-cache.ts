import mongoose from 'mongoose';
import type { Account } from './models/account.ts';
import { QUERY_WRITES } from './query-writes.ts';

/**
 * Accounts as relying parties read them (claims for ID tokens and userinfo), kept a few seconds in
 * the process: a login reads the account, then its code exchange and the relying party's userinfo
 * read it again within moments. A write through the account model drops the entry at once here;
 * another process's write is seen within `TTL_MS`. Never used to check a password or a state that
 * decides a login: those are always read from the database.
 */
const TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;
const entries = new Map<string, { account: Account; until: number }>();

export function cachedAccount(id: string): Account | undefined {
  const entry = entries.get(id);
  if (entry && entry.until > Date.now()) return entry.account;
  if (entry) entries.delete(id);
  return undefined;
}

export function rememberAccount(account: Account): void {
  const id = account._id.toString();
  entries.delete(id);
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  entries.set(id, { account, until: Date.now() + TTL_MS });
}

/** Drops the cached copy of whatever accounts a write through this schema's model touched. */
export function forgetOnWrite(schema: mongoose.Schema): void {
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
