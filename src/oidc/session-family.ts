import { OidcRecordModel } from '../db/models/oidc-record.ts';
import type { PendingRecord, ReadAhead, WriteBatch } from './write-batch.ts';

type Doc = NonNullable<PendingRecord['doc']>;

/**
 * A session and its grants share a `family` (the session's uid), so that a code, refresh token or
 * access token, once found, brings both in one read: oidc-provider then looks up the session (a
 * session-bound token) and the grant one after another, which were two more round trips on every
 * code exchange, refresh and userinfo call. The tag is set as the request's writes are batched:
 * a session names its grants in `authorizations`, and a code or token names both its grant and its
 * session. Reading ahead is only a shortcut: what it does not find is read as before.
 */
export function tagFamilies(batch: WriteBatch): void {
  const familyOfGrant = new Map<string, string>();
  const grants = new Map<string, Doc>();
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

/** Reads the session `uid` and its grants into a request's read-ahead, once per request. */
export async function readFamilyAhead(readAhead: ReadAhead, uid: string): Promise<void> {
  if (readAhead.families.has(uid)) return;
  readAhead.families.add(uid);
  const docs = await OidcRecordModel.find({ family: uid }).lean<(Doc & { _id: string })[]>();
  for (const doc of docs) readAhead.docs.set(doc._id, doc);
}

/** A record the request read ahead that matches, if any. */
export function readAheadMatch(readAhead: ReadAhead, match: (doc: Doc, key: string) => boolean) {
  for (const [key, doc] of readAhead.docs) if (match(doc, key)) return { ...doc, _id: key };
  return undefined;
}
