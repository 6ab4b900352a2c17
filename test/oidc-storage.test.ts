import test from 'ava';
import mongoose from 'mongoose';
import { claimOnce } from '../src/db/claim.ts';
import { connectDatabase } from '../src/db/connection.ts';
import { ClaimModel } from '../src/db/models/claim.ts';
import { closeProtocolStore, connectProtocolStore, protocolStore } from '../src/db/protocol-store.ts';
import { sweepExpired } from '../src/db/sweeper.ts';
import { ProtocolAdapter } from '../src/oidc/adapter.ts';
import { accountRecords } from '../src/oidc/records.ts';
import { testStore } from './helpers/run.ts';
import { testDatabaseUri } from './helpers/service.ts';
import { eventually } from './helpers/wait.ts';

test.before(async () => {
  const uri = testDatabaseUri('oidc-storage');
  await connectDatabase(uri, 5000);
  const store = testStore(uri);
  await connectProtocolStore(store.url, store.prefix);
});
test.after.always(async () => {
  await closeProtocolStore();
  await mongoose.disconnect();
});

test('a session keyed by client IDs with dots and dollars is stored and read back intact', async (t) => {
  const sessions = new ProtocolAdapter('Session');
  const payload = { uid: 'u-1', accountId: 'a', authorizations: { 'cert.example.ac.jp': { sid: 's' }, $weird: { sid: 't' } } };
  await sessions.upsert('s-1', payload, 3600);
  t.deepEqual(await sessions.find('s-1'), payload);
  t.deepEqual(await sessions.findByUid('u-1'), payload);
});

test('a session is found by its uid, by its new uid only once it changes, and not after it is destroyed', async (t) => {
  const sessions = new ProtocolAdapter('Session');
  await sessions.upsert('s-2', { uid: 'u-2', accountId: 'b' }, 3600);
  t.is((await sessions.findByUid('u-2'))?.accountId, 'b');
  await sessions.upsert('s-2', { uid: 'u-2b', accountId: 'b' }, 3600);
  t.is(await sessions.findByUid('u-2'), undefined);
  t.is((await sessions.findByUid('u-2b'))?.accountId, 'b');
  await sessions.destroy('s-2');
  t.is(await sessions.findByUid('u-2b'), undefined);
  t.is(await sessions.findByUid('u-2'), undefined);
  t.is(await sessions.findByUid('u-unknown'), undefined);
});

test('a login code expires by the store on its own, and its expiry is the one it was given', async (t) => {
  const codes = new ProtocolAdapter('AuthorizationCode');
  await codes.upsert('c-1', { grantId: 'g-expired' }, 60);
  t.truthy(await codes.find('c-1'));
  const left = await protocolStore().pttl('AuthorizationCode:c-1');
  t.true(left > 55_000 && left <= 60_000, `${left} ms left`);
  await protocolStore().pexpire('AuthorizationCode:c-1', 1);
  t.is(
    await eventually(
      () => codes.find('c-1'),
      (found) => found === undefined,
    ),
    undefined,
  );
});

test('a used login code is marked consumed, and revoking a grant removes all its tokens', async (t) => {
  const codes = new ProtocolAdapter('AuthorizationCode');
  const tokens = new ProtocolAdapter('AccessToken');
  await codes.upsert('c-2', { grantId: 'g-1' }, 60);
  await tokens.upsert('t-2', { grantId: 'g-1' }, 60);
  await tokens.upsert('t-3', { grantId: 'g-other' }, 60);
  await codes.consume('c-2');
  t.is(typeof (await codes.find('c-2'))?.consumed, 'number');
  t.true((await protocolStore().pttl('AuthorizationCode:c-2')) > 0, 'consuming keeps the expiry');
  await codes.revokeByGrantId('g-1');
  t.is(await codes.find('c-2'), undefined);
  t.is(await tokens.find('t-2'), undefined);
  t.truthy(await tokens.find('t-3'));
  await tokens.destroy('t-3');
  t.is(await tokens.find('t-3'), undefined);
});

test('consuming a code that is already gone leaves nothing behind that would never expire', async (t) => {
  const codes = new ProtocolAdapter('AuthorizationCode');
  await codes.consume('c-gone');
  t.is(await protocolStore().exists('AuthorizationCode:c-gone'), 0);
  t.is(await codes.find('c-gone'), undefined);
});

test("an account's sessions are listed while they live, and the index forgets those that ended", async (t) => {
  const sessions = new ProtocolAdapter('Session');
  await sessions.upsert('s-live', { uid: 'u-live', accountId: 'acc-1', loginTs: 1 }, 3600);
  await sessions.upsert('s-ended', { uid: 'u-ended', accountId: 'acc-1', loginTs: 2 }, 3600);
  await sessions.upsert('s-other', { uid: 'u-other', accountId: 'acc-2' }, 3600);
  await sessions.destroy('s-ended');
  t.deepEqual(
    (await accountRecords('Session', 'acc-1')).map((record) => record.id),
    ['s-live'],
  );
  t.deepEqual(await protocolStore().smembers('account:acc-1:Session'), ['s-live'], 'the ended one left the index');
  t.true((await protocolStore().ttl('account:acc-1:Session')) > 0, 'the index expires with its sessions');
});

test.serial('records that expire after a sweep are removed by a later one, slot by slot, and live ones are kept', async (t) => {
  await sweepExpired(); // from here on, sweeps go slot by slot from the last one
  t.true(await claimOnce('soon', 60_000));
  t.true(await claimOnce('later', 3_600_000));
  const tenMinutesOn = new Date(Date.now() + 10 * 60_000);
  t.true((await sweepExpired(tenMinutesOn)) >= 1);
  t.is(await ClaimModel.countDocuments({ _id: 'soon' }), 0, 'expired within the ten minutes');
  t.is(await ClaimModel.countDocuments({ _id: 'later' }), 1, 'still valid for most of an hour');
});
