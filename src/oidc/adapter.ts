import type { Adapter, AdapterPayload } from 'oidc-provider';
import { findClient } from '../db/lookups.ts';
import { OidcRecordModel } from '../db/models/oidc-record.ts';
import { clientMetadata } from './client-metadata.ts';

/**
 * oidc-provider's storage on MongoDB. Expiry is checked on every read (no TTL index required, so
 * FerretDB behaves like MongoDB); src/db/sweeper.ts deletes expired records in the background.
 */
export class MongoAdapter implements Adapter {
  readonly kind: string;

  constructor(kind: string) {
    this.kind = kind;
  }

  private key(id: string): string {
    return `${this.kind}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const record = {
      kind: this.kind,
      payload: JSON.stringify(payload),
      uid: payload.uid,
      userCode: payload.userCode,
      grantId: payload.grantId,
      accountId: this.kind === 'Session' ? payload.accountId : undefined,
      expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : undefined,
    };
    await OidcRecordModel.replaceOne({ _id: this.key(id) }, record, { upsert: true });
  }

  private async findOne(filter: Record<string, string>): Promise<AdapterPayload | undefined> {
    const doc = await OidcRecordModel.findOne(filter).lean();
    if (!doc) return undefined;
    if (doc.expiresAt && doc.expiresAt.getTime() <= Date.now()) return undefined;
    const payload = JSON.parse(doc.payload) as AdapterPayload;
    return doc.consumedAt ? { ...payload, consumed: doc.consumedAt } : payload;
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (this.kind === 'Client') {
      const client = await findClient(id);
      return client ? clientMetadata(client) : undefined;
    }
    return this.findOne({ _id: this.key(id) });
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findOne({ kind: this.kind, uid });
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findOne({ kind: this.kind, userCode });
  }

  async consume(id: string): Promise<void> {
    await OidcRecordModel.updateOne({ _id: this.key(id) }, { $set: { consumedAt: Math.floor(Date.now() / 1000) } });
  }

  async destroy(id: string): Promise<void> {
    await OidcRecordModel.deleteOne({ _id: this.key(id) });
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await OidcRecordModel.deleteMany({ grantId });
  }
}
