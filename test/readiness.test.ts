import test from 'ava';
import { MailModel } from '../src/db/models/mail.ts';
import { startTestService, type TestService } from './helpers/service.ts';

let service: TestService;

test.before(async () => {
  service = await startTestService('readiness');
});
test.after.always(() => service?.stop());

const readiness = async () => {
  const response = await fetch(`${service.issuer}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

test('readiness says why: a mail outbox that stopped moving is reported as degraded, without taking logins down', async (t) => {
  const ready = await readiness();
  t.is(ready.status, 200);
  t.is(ready.body.status, 'ready');

  // A mail written two hours ago and still waiting for its next attempt: delivery is failing.
  const stuck = await MailModel.create({
    to: 'someone@example.com',
    subject: 'x',
    text: 'x',
    nextAttemptAt: new Date(Date.now() + 3_600_000),
    createdAt: new Date(Date.now() - 2 * 3_600_000),
  });
  const degraded = await readiness();
  t.is(degraded.status, 200, 'still ready for logins');
  t.is(degraded.body.status, 'degraded');
  t.deepEqual(degraded.body.reasons, ['mail-outbox']);
  t.true(((degraded.body.mail as { oldestPendingMinutes: number }).oldestPendingMinutes ?? 0) >= 119);

  await MailModel.updateOne({ _id: stuck._id }, { $set: { status: 'sent', sentAt: new Date() } });
  t.is((await readiness()).body.status, 'ready', 'and ready again once the mail has gone');
});
