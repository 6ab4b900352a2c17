import { AsyncLocalStorage } from 'node:async_hooks';
import type { Middleware } from 'koa';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { findClient } from '../db/lookups.ts';
import { describeBrowser } from '../http/user-agent.ts';
import { clientMetadata } from './client-metadata.ts';
import {
  consumeRecord,
  deleteRecord,
  type RecordExtras,
  readByUid,
  readByUserCode,
  readRecord,
  revokeGrant,
  saveRecord,
} from './records.ts';

/** The User-Agent of the request in progress: a session saved while serving a browser carries it. */
const requestBrowser = new AsyncLocalStorage<string>();

/** Runs each provider request with its browser known to the adapter (the signed-in devices page, src/settings/devices.ts). */
export function rememberBrowser(): Middleware {
  return (ctx, next) => requestBrowser.run(ctx.get('user-agent'), next);
}

function sessionExtras(): RecordExtras {
  const userAgent = requestBrowser.getStore();
  return userAgent === undefined ? {} : { device: describeBrowser(userAgent), seenAt: new Date().toISOString() };
}

/**
 * oidc-provider's storage: relying parties from MongoDB (src/db/lookups.ts, cached), everything else
 * in the protocol store, where each record expires by the store's TTL (src/oidc/records.ts).
 */
export class ProtocolAdapter implements Adapter {
  readonly kind: string;

  constructor(kind: string) {
    this.kind = kind;
  }

  upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    return saveRecord(this.kind, id, payload, expiresIn, this.kind === 'Session' ? sessionExtras() : {});
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (this.kind === 'Client') {
      const client = await findClient(id);
      // A relying party its university stopped is unknown: no login, no token, until enabled again.
      return client && !client.disabled ? clientMetadata(client) : undefined;
    }
    return (await readRecord(this.kind, id))?.payload;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return (await readByUid(this.kind, uid))?.payload;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return (await readByUserCode(this.kind, userCode))?.payload;
  }

  consume(id: string): Promise<void> {
    return consumeRecord(this.kind, id);
  }

  async destroy(id: string): Promise<void> {
    await deleteRecord(this.kind, id);
  }

  revokeByGrantId(grantId: string): Promise<void> {
    return revokeGrant(grantId);
  }
}
