import test from 'ava';
import { MailModel } from '../src/db/models/mail.ts';
import { startTestService, type TestService } from './helpers/service.ts';

let service: TestService;

test.before(async () => {
  service = await startTestService('readiness-strict', { readiness: { strict: true } });
});
test.after.always(() => service?.stop());

test('with strict readiness chosen by the operator, a stalled mail outbox answers 503 with its reason', async (t) => {
  t.is((await fetch(`${service.issuer}/readyz`)).status, 200);
  await MailModel.create({
    to: 'someone@example.com',
    subject: 'x',
    text: 'x',
    nextAttemptAt: new Date(Date.now() + 3_600_000),
    createdAt: new Date(Date.now() - 2 * 3_600_000),
  });
  const response = await fetch(`${service.issuer}/readyz`);
  t.is(response.status, 503);
  t.deepEqual(((await response.json()) as { reasons: string[] }).reasons, ['mail-outbox']);
});
