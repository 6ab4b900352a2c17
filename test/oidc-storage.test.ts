import test from 'ava';
import mongoose from 'mongoose';
import { connectDatabase } from '../src/db/connection.ts';
import { OidcRecordModel } from '../src/db/models/oidc-record.ts';
import { sweepExpired } from '../src/db/sweeper.ts';
import { MongoAdapter } from '../src/oidc/adapter.ts';
import { testDatabaseUri } from './helpers/service.ts';

test.before(() => connectDatabase(testDatabaseUri('oidc-storage'), 5000));
test.after.always(() => mongoose.disconnect());

test('a session keyed by client IDs with dots and dollars is stored and read back intact', async (t) => {
  const sessions = new MongoAdapter('Session');
  const payload = { uid: 'u-1', accountId: 'a', authorizations: { 'cert.example.ac.jp': { sid: 's' }, $weird: { sid: 't' } } };
  await sessions.upsert('s-1', payload, 3600);
  t.deepEqual(await sessions.find('s-1'), payload);
  t.deepEqual(await sessions.findByUid('u-1'), payload);
});

test('a session is found by its uid, by its new uid only once it changes, and not after it is destroyed', async (t) => {
  const sessions = new MongoAdapter('Session');
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

test('a login code past its expiry is neither accepted nor kept', async (t) => {
  const codes = new MongoAdapter('AuthorizationCode');
  await codes.upsert('c-1', { grantId: 'g-expired' }, 60);
  t.truthy(await codes.find('c-1'));
  await OidcRecordModel.updateOne({ _id: 'AuthorizationCode:c-1' }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
  t.is(await codes.find('c-1'), undefined, 'expired on read even before the sweeper runs');
  t.true((await sweepExpired()) >= 1);
  t.is(await OidcRecordModel.countDocuments({ _id: 'AuthorizationCode:c-1' }), 0);
});

test('a used login code is marked consumed, and revoking a grant removes all its tokens', async (t) => {
  const codes = new MongoAdapter('AuthorizationCode');
  const tokens = new MongoAdapter('AccessToken');
  await codes.upsert('c-2', { grantId: 'g-1' }, 60);
  await tokens.upsert('t-2', { grantId: 'g-1' }, 60);
  await tokens.upsert('t-3', { grantId: 'g-other' }, 60);
  await codes.consume('c-2');
  t.is(typeof (await codes.find('c-2'))?.consumed, 'number');
  await codes.revokeByGrantId('g-1');
  t.is(await codes.find('c-2'), undefined);
  t.is(await tokens.find('t-2'), undefined);
  t.truthy(await tokens.find('t-3'));
  await tokens.destroy('t-3');
  t.is(await tokens.find('t-3'), undefined);
});

test.serial('records that expire after a sweep are removed by a later one, slot by slot, and live ones are kept', async (t) => {
  const codes = new MongoAdapter('AuthorizationCode');
  await sweepExpired(); // from here on, sweeps go slot by slot from the last one
  await codes.upsert('c-soon', { grantId: 'g-soon' }, 60);
  await codes.upsert('c-later', { grantId: 'g-later' }, 3600);
  const tenMinutesOn = new Date(Date.now() + 10 * 60_000);
  t.true((await sweepExpired(tenMinutesOn)) >= 1);
  t.is(await OidcRecordModel.countDocuments({ _id: 'AuthorizationCode:c-soon' }), 0, 'expired within the ten minutes');
  t.is(await OidcRecordModel.countDocuments({ _id: 'AuthorizationCode:c-later' }), 1, 'still valid for most of an hour');
});
