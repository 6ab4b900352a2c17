import type { ChainableCommander } from 'ioredis';
import type { AdapterPayload } from 'oidc-provider';
import { inStore } from '../db/protocol-store.ts';

// oidc-provider's records in the protocol store (Redis), each expiring by the store's own TTL.
// Keys, after the store's prefix:
//   <Kind>:<id>              a hash: payload (JSON), consumed (a used code or rotated refresh token),
//                            and for sessions the browser (device) and when it was last saved (seenAt)
//   uid:<uid>                the id of the Session with this uid
//   userCode:<code>          the id of the DeviceCode with this user code
//   grant:<grantId>          the keys of the codes and tokens of a grant, revoked together
//   account:<id>:<Kind>      the ids of an account's Sessions or Grants (to end them all, to list devices)
// An index may outlive what it points to by a moment; readers check the record itself.

/** What a stored record holds besides its payload. */
export interface RecordExtras {
  device?: string;
  seenAt?: string;
}

export interface StoredRecord {
  id: string;
  payload: AdapterPayload;
  device?: string;
  seenAt?: Date;
}

const key = (kind: string, id: string) => `${kind}:${id}`;
const byAccount = (kind: 'Session' | 'Grant', accountId: string) => `account:${accountId}:${kind}`;

/** Adds `member` to the set `set`, which lives as long as its longest-lived member. */
function addToSet(multi: ChainableCommander, set: string, member: string, expiresIn: number): void {
  multi.sadd(set, member);
  if (!expiresIn) return;
  multi.expire(set, expiresIn, 'NX');
  multi.expire(set, expiresIn, 'GT');
}

/** Runs a MULTI; a command of it that failed fails the whole (a wrong command is a bug, not a half write). */
async function exec(build: (multi: ChainableCommander) => void): Promise<void> {
  const results = await inStore((store) => {
    const multi = store.multi();
    build(multi);
    return multi.exec();
  });
  const failed = results?.find(([error]) => error);
  if (failed) throw failed[0];
}

/** Stores a record whole (replacing what was there) with its indexes, in one transaction. */
export function saveRecord(kind: string, id: string, payload: AdapterPayload, expiresIn: number, extras: RecordExtras = {}) {
  const recordKey = key(kind, id);
  return exec((multi) => {
    multi.del(recordKey);
    multi.hset(recordKey, { payload: JSON.stringify(payload), ...extras });
    if (expiresIn) multi.expire(recordKey, expiresIn);
    if (payload.grantId) addToSet(multi, `grant:${payload.grantId}`, recordKey, expiresIn);
    if (kind === 'Session' && payload.uid) multi.set(`uid:${payload.uid}`, id, 'EX', expiresIn || 86_400);
    if (payload.userCode) multi.set(`userCode:${payload.userCode}`, id, 'EX', expiresIn || 86_400);
    if ((kind === 'Session' || kind === 'Grant') && payload.accountId)
      addToSet(multi, byAccount(kind, payload.accountId), id, expiresIn);
  });
}

const fromHash = (id: string, hash: Record<string, string>): StoredRecord | undefined => {
  if (!hash.payload) return undefined;
  const payload = JSON.parse(hash.payload) as AdapterPayload;
  if (hash.consumed) payload.consumed = Number(hash.consumed);
  return { id, payload, device: hash.device, seenAt: hash.seenAt ? new Date(hash.seenAt) : undefined };
};

export async function readRecord(kind: string, id: string): Promise<StoredRecord | undefined> {
  return fromHash(id, await inStore((store) => store.hgetall(key(kind, id))));
}

/** The record an index (`uid:…`, `userCode:…`) points to, if it still matches. */
async function readIndexed(kind: string, index: string, matches: (payload: AdapterPayload) => boolean) {
  const id = await inStore((store) => store.get(index));
  const record = id ? await readRecord(kind, id) : undefined;
  return record && matches(record.payload) ? record : undefined;
}

export const readByUid = (kind: string, uid: string) => readIndexed(kind, `uid:${uid}`, (payload) => payload.uid === uid);
export const readByUserCode = (kind: string, userCode: string) =>
  readIndexed(kind, `userCode:${userCode}`, (payload) => payload.userCode === userCode);

/** Marks a record used, keeping its expiry; nothing when it is already gone. */
export async function consumeRecord(kind: string, id: string): Promise<void> {
  const consumed = String(Math.floor(Date.now() / 1000));
  await inStore((store) => store.eval(CONSUME, 1, key(kind, id), consumed));
}
const CONSUME = "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HSET', KEYS[1], 'consumed', ARGV[1]) end return 0";

export async function deleteRecord(kind: string, id: string): Promise<boolean> {
  return (await inStore((store) => store.del(key(kind, id)))) > 0;
}

/** Deletes a grant's codes and tokens (and the grant itself, with `withGrant`). */
export async function revokeGrant(grantId: string, withGrant = false): Promise<void> {
  const index = `grant:${grantId}`;
  const keys = await inStore((store) => store.smembers(index));
  await inStore((store) => store.del(...keys, index, ...(withGrant ? [key('Grant', grantId)] : [])));
}

/** An account's live Sessions or Grants; ids whose record expired are dropped from the index on the way. */
export async function accountRecords(kind: 'Session' | 'Grant', accountId: string): Promise<StoredRecord[]> {
  const index = byAccount(kind, accountId);
  const ids = await inStore((store) => store.smembers(index));
  if (!ids.length) return [];
  const hashes = await inStore((store) => Promise.all(ids.map((id) => store.hgetall(key(kind, id)))));
  const records = ids.map((id, i) => fromHash(id, hashes[i] ?? {}));
  const gone = ids.filter((_, i) => !records[i]);
  if (gone.length) await inStore((store) => store.srem(index, ...gone));
  return records.filter((record): record is StoredRecord => record !== undefined && record.payload.accountId === accountId);
}
