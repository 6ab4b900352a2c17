import { AsyncLocalStorage } from 'node:async_hooks';
import type { Middleware } from 'koa';
import type { AnyBulkWriteOperation } from 'mongodb';
import type mongoose from 'mongoose';
import { slotOf } from '../db/expiry-slot.ts';
import { OidcRecordModel } from '../db/models/oidc-record.ts';
import { replaceById, updateById } from '../db/replace-by-id.ts';
import { requestLang } from '../http/lang.ts';
import { loggedPath } from '../http/logged-path.ts';
import { describeBrowser } from '../http/user-agent.ts';
import { render } from '../http/views.ts';
import type { Logger } from '../log.ts';

/** What a request has written to one oidc record so far, not yet sent to the database. */
export interface PendingRecord {
  /** The whole record as it will be stored (an upsert). */
  doc?: Record<string, unknown> & { kind: string; payload: string; expiresAt?: Date };
  deleted?: boolean;
  consumedAt?: number;
}

/** A record as it is stored. */
export type StoredDoc = NonNullable<PendingRecord['doc']>;

/** The writes of one request, by record `_id`; the last write to a record is the one that counts. */
export type WriteBatch = Map<string, PendingRecord>;

/** Records read ahead in this request by their session family (src/oidc/session-family.ts). */
export interface ReadAhead {
  docs: Map<string, StoredDoc>;
  /** The session uids already read ahead. */
  families: Set<string>;
}

const storage = new AsyncLocalStorage<{ writes: WriteBatch; readAhead: ReadAhead }>();

/** The batch of the request in progress; undefined outside a request (CLI, sweeper, tests). */
export function currentBatch(): WriteBatch | undefined {
  return storage.getStore()?.writes;
}

/** What this request read ahead; undefined outside a request. */
export function currentReadAhead(): ReadAhead | undefined {
  return storage.getStore()?.readAhead;
}

/** oidc records are keyed by strings (`Kind:id`), which the driver's default typing does not expect. */
type RecordOperation = AnyBulkWriteOperation<{ _id: string }>;

/**
 * A destroyed record becomes an expired stub rather than a delete, so that all the writes of a
 * request travel as one update command (reads treat it as gone; the sweeper removes it). Each
 * statement addresses its record by `_id` the way FerretDB can hold many of (src/db/replace-by-id.ts).
 */
function operation(_id: string, pending: PendingRecord): RecordOperation {
  const model = OidcRecordModel as unknown as mongoose.Model<never>;
  if (pending.deleted) {
    const stub = { kind: 'Destroyed', payload: '{}', expiresAt: new Date(0), expirySlot: slotOf(Date.now()) };
    return replaceById(model, _id, stub, false);
  }
  if (pending.doc) {
    const replacement = pending.consumedAt ? { ...pending.doc, consumedAt: pending.consumedAt } : pending.doc;
    return replaceById(model, _id, replacement, true);
  }
  return updateById(_id, { $set: { consumedAt: pending.consumedAt } });
}

/** Tags each session in the batch and its grants with the session's uid as `family` (src/oidc/session-family.ts). */
function tagFamilies(batch: WriteBatch): void {
  const familyOfGrant = new Map<string, string>();
  const grants = new Map<string, StoredDoc>();
  for (const [key, { doc, deleted }] of batch) {
    if (!doc || deleted) continue;
    if (doc.kind === 'Grant') grants.set(key.slice('Grant:'.length), doc);
    const payload = JSON.parse(doc.payload) as {
      authorizations?: Record<string, { grantId?: string }>;
      sessionUid?: string;
      grantId?: string;
    };
    if (doc.kind === 'Session' && typeof doc.uid === 'string') {
      doc.family = doc.uid;
      for (const { grantId } of Object.values(payload.authorizations ?? {})) if (grantId) familyOfGrant.set(grantId, doc.uid);
    } else if (payload.grantId && payload.sessionUid) familyOfGrant.set(payload.grantId, payload.sessionUid);
  }
  for (const [id, grant] of grants) {
    const family = familyOfGrant.get(id);
    if (family) grant.family = family;
  }
}

/**
 * A session written while serving a browser carries that browser and the time (the signed-in devices
 * page, src/settings/devices.ts). The User-Agent is parsed only when the batch holds a session.
 */
function markDevices(batch: WriteBatch, userAgent: string): void {
  let device: string | undefined;
  for (const { doc, deleted } of batch.values()) {
    if (doc?.kind !== 'Session' || deleted) continue;
    device ??= describeBrowser(userAgent);
    Object.assign(doc, { device, seenAt: new Date() });
  }
}

/** Sends the batch's writes as one bulk write and empties it; `userAgent`: the browser of the request. */
export async function flush(batch: WriteBatch, userAgent?: string): Promise<void> {
  if (!batch.size) return;
  tagFamilies(batch);
  if (userAgent) markDevices(batch, userAgent);
  const operations = [...batch].map(([_id, pending]) => operation(_id, pending));
  batch.clear();
  await OidcRecordModel.collection.bulkWrite(operations as unknown as AnyBulkWriteOperation[], { ordered: true });
}

/**
 * Runs each request with a write batch and sends what it wrote in one command before the response
 * leaves: oidc-provider saves a session, a grant and a code (or consumes a code and saves two
 * tokens) one after another, each its own round trip otherwise. Nothing is answered that is not
 * stored: when the writes fail, the answer becomes a 503 (the redirect or tokens never leave).
 */
export function writeBatching(logger: Logger): Middleware {
  return async (ctx, next) => {
    const batch: WriteBatch = new Map();
    await storage.run({ writes: batch, readAhead: { docs: new Map(), families: new Set() } }, next);
    try {
      await flush(batch, ctx.get('user-agent'));
    } catch (error) {
      logger.warn({ err: error, path: loggedPath(ctx) }, 'the writes of a request were not stored');
      ctx.remove('Location');
      ctx.set('Retry-After', '5');
      if (ctx.accepts('html', 'json') === 'html') {
        ctx.state.lang ??= requestLang(ctx);
        return render(ctx, 'error', { messageKey: 'error.unavailable' }, 503);
      }
      ctx.status = 503;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { error: 'temporarily_unavailable', error_description: 'the service could not store the result; retry shortly' };
    }
  };
}
