import { OidcRecordModel } from '../db/models/oidc-record.ts';
import type { ReadAhead, StoredDoc } from './write-batch.ts';

// A session and its grants share a `family` (the session's uid), so that a code, refresh token or
// access token, once found, brings both in one read: oidc-provider then looks up the session (a
// session-bound token) and the grant one after another, which were two more round trips on every
// code exchange, refresh and userinfo call. The tag is set as the request's writes are batched:
// a session names its grants in `authorizations`, and a code or token names both its grant and its
// session (tagFamilies in src/oidc/write-batch.ts, once per batch). Reading ahead is only a shortcut:
// what it does not find is read as before.

/** Reads the session `uid` and its grants into a request's read-ahead, once per request. */
export async function readFamilyAhead(readAhead: ReadAhead, uid: string): Promise<void> {
  if (readAhead.families.has(uid)) return;
  readAhead.families.add(uid);
  const docs = await OidcRecordModel.find({ family: uid }).lean<(StoredDoc & { _id: string })[]>();
  for (const doc of docs) readAhead.docs.set(doc._id, doc);
}

/** A record the request read ahead that matches, if any. */
export function readAheadMatch(readAhead: ReadAhead, match: (doc: StoredDoc, key: string) => boolean) {
  for (const [key, doc] of readAhead.docs) if (match(doc, key)) return { ...doc, _id: key };
  return undefined;
}
