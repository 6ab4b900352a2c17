import type mongoose from 'mongoose';
import { QUERY_WRITES } from './query-writes.ts';

/**
 * Expiry by equality. The embedded database serves equality filters from an index but reads every
 * row for a range (`expiresAt < now`), so each expiring record also carries the five-minute slot of
 * its expiry, and the sweeper deletes slot by slot (src/db/sweeper.ts). MongoDB serves both alike.
 */
export const SLOT_MS = 5 * 60_000;

export function slotOf(date: Date | number | string): number {
  return Math.floor(new Date(date).getTime() / SLOT_MS);
}

type Fields = Record<string, unknown> & { $set?: Record<string, unknown>; $unset?: Record<string, unknown> };

/** Sets `slot` from `field` wherever a write sets the field (replacement, plain or `$set`); deletes set nothing. */
function deriveSlot(update: Fields | null | undefined, field: string, slot: string): void {
  if (!update) return;
  for (const target of [update, update.$set]) {
    if (target && field in target) target[slot] = target[field] ? slotOf(target[field] as Date) : undefined;
  }
  if (update.$unset && field in update.$unset) update.$unset[slot] = 1;
}

/**
 * Keeps `slot` (indexed) equal to the slot of the date `field` on every write through the model:
 * creates, inserts and updates. Writes that bypass the model set it themselves (src/oidc/adapter.ts).
 */
export function expirySlot(schema: mongoose.Schema, field = 'expiresAt', slot = 'expirySlot'): void {
  schema.add({ [slot]: { type: Number } });
  schema.index({ [slot]: 1 });
  schema.pre('save', function () {
    const value = this.get(field) as Date | undefined;
    this.set(slot, value ? slotOf(value) : undefined);
  });
  schema.pre('insertMany', (docs: Fields | Fields[]) => {
    for (const doc of Array.isArray(docs) ? docs : [docs]) deriveSlot(doc, field, slot);
  });
  schema.pre(QUERY_WRITES, { query: true, document: false }, function (this: mongoose.Query<unknown, unknown>) {
    deriveSlot(this.getUpdate() as Fields, field, slot);
  });
}
