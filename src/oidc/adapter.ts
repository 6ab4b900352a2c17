import type { Adapter, AdapterPayload } from 'oidc-provider';
import { slotOf } from '../db/expiry-slot.ts';
import { findClient } from '../db/lookups.ts';
import { OidcRecordModel } from '../db/models/oidc-record.ts';
import { clientMetadata } from './client-metadata.ts';
import { readAheadMatch, readFamilyAhead } from './session-family.ts';
import { currentBatch, currentReadAhead, flush, type PendingRecord, type StoredDoc } from './write-batch.ts';

type StoredRecord = StoredDoc & { consumedAt?: number };

function payloadOf(record: StoredRecord | null | undefined): AdapterPayload | undefined {
  if (!record) return undefined;
  if (record.expiresAt && record.expiresAt.getTime() <= Date.now()) return undefined;
  const payload = JSON.parse(record.payload) as AdapterPayload;
  return record.consumedAt ? { ...payload, consumed: record.consumedAt } : payload;
}

/**
 * oidc-provider's storage on MongoDB. Expiry is checked on every read (no TTL index required, so
 * FerretDB behaves like MongoDB); src/db/sweeper.ts deletes expired records in the background.
 * Inside a request, writes wait in the request's batch (src/oidc/write-batch.ts) and reads see them.
 */
export class MongoAdapter implements Adapter {
  readonly kind: string;

  constructor(kind: string) {
    this.kind = kind;
  }

  private key(id: string): string {
    return `${this.kind}:${id}`;
  }

  /** Writes now, or into the request's batch (merged with what the request wrote before). */
  private async write(id: string, change: PendingRecord, direct: () => Promise<unknown>): Promise<void> {
    const batch = currentBatch();
    if (!batch) {
      await direct();
      return;
    }
    const key = this.key(id);
    const before = batch.get(key);
    batch.set(key, change.consumedAt && before?.doc && !before.deleted ? { ...before, consumedAt: change.consumedAt } : change);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const fields = {
      kind: this.kind,
      payload: JSON.stringify(payload),
      uid: payload.uid,
      userCode: payload.userCode,
      grantId: payload.grantId,
      // Sessions and grants are found by account: to end them all (a password change, the helpdesk).
      accountId: this.kind === 'Session' || this.kind === 'Grant' ? payload.accountId : undefined,
      expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : undefined,
    };
    // Batched writes bypass mongoose, so the sweeper's slot is set here (src/db/expiry-slot.ts).
    const expirySlot = fields.expiresAt ? slotOf(fields.expiresAt) : undefined;
    const doc = Object.fromEntries(Object.entries({ ...fields, expirySlot }).filter(([, v]) => v !== undefined)) as StoredRecord;
    await this.write(id, { doc }, () => OidcRecordModel.replaceOne({ _id: this.key(id) }, doc, { upsert: true }));
  }

  /** The stored record, with what this request wrote to it applied. */
  private async read(
    filter: Record<string, string>,
    pendingMatch: (doc: StoredRecord, key: string) => boolean,
  ): Promise<AdapterPayload | undefined> {
    const batch = currentBatch();
    for (const [key, pending] of batch ?? []) {
      if (pending.doc && !pending.deleted && pendingMatch(pending.doc, key))
        return payloadOf({ ...pending.doc, consumedAt: pending.consumedAt });
    }
    const readAhead = currentReadAhead();
    const doc =
      (readAhead && readAheadMatch(readAhead, pendingMatch)) ??
      (await OidcRecordModel.findOne(filter).lean<StoredRecord & { _id: string }>());
    const pending = doc && batch?.get(doc._id);
    if (!pending) return payloadOf(doc);
    if (pending.deleted || pending.doc) return undefined; // destroyed, or rewritten without a match above
    return payloadOf({ ...doc, consumedAt: pending.consumedAt });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (this.kind === 'Client') {
      const client = await findClient(id);
      // A relying party its university stopped is unknown: no login, no token, until enabled again.
      return client && !client.disabled ? clientMetadata(client) : undefined;
    }
    const key = this.key(id);
    const payload = await this.read({ _id: key }, (_doc, pendingKey) => pendingKey === key);
    // A code or token is followed by lookups of its session and grant: one read brings both.
    const readAhead = currentReadAhead();
    if (readAhead && typeof payload?.sessionUid === 'string') await readFamilyAhead(readAhead, payload.sessionUid);
    return payload;
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.read({ kind: this.kind, uid }, (doc) => doc.kind === this.kind && doc.uid === uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.read({ kind: this.kind, userCode }, (doc) => doc.kind === this.kind && doc.userCode === userCode);
  }

  async consume(id: string): Promise<void> {
    const consumedAt = Math.floor(Date.now() / 1000);
    await this.write(id, { consumedAt }, () => OidcRecordModel.updateOne({ _id: this.key(id) }, { $set: { consumedAt } }));
  }

  async destroy(id: string): Promise<void> {
    await this.write(id, { deleted: true }, () => OidcRecordModel.deleteOne({ _id: this.key(id) }));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    // What the request wrote goes first, so that records of this grant it saved are removed too.
    const batch = currentBatch();
    if (batch) await flush(batch);
    await OidcRecordModel.deleteMany({ grantId });
  }
}
