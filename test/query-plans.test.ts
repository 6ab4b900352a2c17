import test from 'ava';
import type { CommandStartedEvent, Document } from 'mongodb';
import mongoose from 'mongoose';
import * as oidc from 'openid-client';
import { eventsOf } from '../bench/commands.ts';
import { sweepExpired } from '../src/db/sweeper.ts';
import { enqueueMail } from '../src/mail/outbox.ts';
import { completeLogin, relyingParty, startLogin, submitGraduateLogin } from './helpers/relying-party.ts';
import { GRADUATE, seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { recipients } from './helpers/smtp-sink.ts';

// Every query the hot paths send must be served by an index: on the embedded database (FerretDB on
// PostgreSQL) no sequential scan, on MongoDB no COLLSCAN, in any collection that grows with use.
// The queries are not listed by hand: they are recorded while a person logs in, refreshes, reads
// userinfo, mistypes a password and receives a mail, and while expired records are swept; each
// recorded filter is explained against collections filled to thousands of documents. (Sessions,
// grants, codes, tokens and throttle counts are in the protocol store, found by key.)

const FILLER = 3_000;
/** A collection this small may be scanned (PostgreSQL rightly prefers it once it has statistics). */
const LARGE = FILLER / 2;

let service: TestService;

async function fill(): Promise<void> {
  const db = mongoose.connection;
  const many = <T>(make: (i: number) => T) => Array.from({ length: FILLER }, (_, i) => make(i));
  await db
    .collection('accounts')
    .insertMany(many((i) => ({ tenantId: 'test-univ', kind: 'graduate', email: `filler-${i}@example.com`, passwordHash: 'x' })));
  await db
    .collection('mail_outbox')
    .insertMany(
      many((i) => ({ to: `filler-${i}@example.com`, subject: 's', text: 't', status: 'withheld', nextAttemptAt: new Date() })),
    );
}

/** The filters a command carries (a find's, an update's or delete's, a findAndModify's). */
function filtersOf({ command, commandName }: CommandStartedEvent): Document[] {
  if (commandName === 'find' || commandName === 'count') return [command.filter ?? command.query];
  if (commandName === 'update') return command.updates.map((u: Document) => u.q);
  if (commandName === 'delete') return command.deletes.map((d: Document) => d.q);
  if (commandName === 'findAndModify') return [command.query];
  return [];
}

/** The commands (with a filter) this process sends while `task` runs. */
async function queriesOf(task: () => Promise<unknown>): Promise<Array<{ collection: string; filter: Document }>> {
  return (await eventsOf(task)).flatMap((event) =>
    filtersOf(event)
      .filter((filter) => filter && Object.keys(filter).length)
      .map((filter) => ({ collection: String(event.command[event.commandName]), filter })),
  );
}

/** Every scanning step of a plan: PostgreSQL's "Seq Scan" under FerretDB, MongoDB's COLLSCAN. */
function scans(plan: unknown): string[] {
  if (!plan || typeof plan !== 'object') return [];
  const node = plan as Record<string, unknown>;
  const own = node['Node Type'] === 'Seq Scan' || node.stage === 'COLLSCAN' ? [String(node['Node Type'] ?? node.stage)] : [];
  return [...own, ...Object.values(node).flatMap((value) => (Array.isArray(value) ? value.flatMap(scans) : scans(value)))];
}

test.before(async () => {
  service = await startTestService('query-plans', { logLevel: 'silent' });
});

test.after.always(async () => {
  await service?.stop();
});

test('every query of a login, refresh, userinfo, failed login, mail delivery and sweep is served by an index', async (t) => {
  const university = await seedUniversity(service);
  const rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
  await completeLogin(rp, GRADUATE); // collections and indexes exist from here on
  await fill();
  await sweepExpired(); // the first sweep has no earlier one to start from and goes by date once

  const queries = await queriesOf(async () => {
    const { tokens } = await completeLogin(rp, GRADUATE);
    const refreshed = await oidc.refreshTokenGrant(rp, tokens.refresh_token as string);
    await oidc.fetchUserInfo(rp, refreshed.access_token, university.accountId);
    await submitGraduateLogin(await startLogin(rp), { ...GRADUATE, password: 'wrong-Password-1' });
    await enqueueMail({ tenantId: university.tenantId, to: 'plans@example.com', lang: 'ja', template: 'test' });
    await service.smtp.waitFor((m) => recipients(m) === 'plans@example.com', 30_000);
    await sweepExpired();
  });
  const collections = new Set(queries.map((q) => q.collection));
  const db = mongoose.connection.db as NonNullable<typeof mongoose.connection.db>;
  const sizes = new Map<string, number>();
  for (const collection of collections) sizes.set(collection, await db.collection(collection).countDocuments());
  for (const expected of ['accounts', 'mail_outbox']) {
    t.true((sizes.get(expected) ?? 0) >= LARGE, `the journeys queried ${expected}, filled to ${sizes.get(expected)}`);
  }
  t.true(
    queries.some(({ filter }) => 'expirySlot' in filter),
    'the sweep queried the expiring records',
  );
  for (const { collection, filter } of queries) {
    if ((sizes.get(collection) ?? 0) < LARGE) continue;
    const explained = await db.collection(collection).find(filter).explain();
    t.deepEqual(
      scans(explained.queryPlanner),
      [],
      `${collection} ${JSON.stringify(filter)} (${sizes.get(collection)} documents)`,
    );
  }
});
