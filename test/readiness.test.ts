import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { recordKeyChange } from '../src/db/change-stamp.ts';
import { MailModel } from '../src/db/models/mail.ts';
import { startTestService, type TestService } from './helpers/service.ts';
import { eventually } from './helpers/wait.ts';

let service: TestService;

test.before(async () => {
  service = await startTestService('readiness');
});
test.after.always(() => service?.stop());

const readiness = async () => {
  const response = await fetch(`${service.issuer}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

test.serial(
  'readiness says why: a mail outbox that stopped moving is reported as degraded, without taking logins down',
  async (t) => {
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

    await MailModel.deleteOne({ _id: stuck._id }); // as the worker does once the SMTP server took it
    t.is((await readiness()).body.status, 'ready', 'and ready again once the mail has gone');
  },
);

test.serial('readiness reports the age of the keys that sign, and a signing key due for rotation', async (t) => {
  const fresh = await readiness();
  t.like(fresh.body.keys as object, { signingAgeDays: 0, samlSpAgeDays: 0 });

  // The signing key as if made 400 days ago; the operator's CLI would move the keys stamp after a change.
  const file = join(service.config.keysDir, 'jwks.json');
  const jwks = JSON.parse(readFileSync(file, 'utf8')) as { keys: Array<{ iat?: number }> };
  (jwks.keys[0] as { iat?: number }).iat = Math.floor(Date.now() / 1000) - 400 * 86_400;
  writeFileSync(file, JSON.stringify(jwks));
  await recordKeyChange();
  const old = await eventually(readiness, (r) => (r.body.reasons as string[]).includes('signing-key-old'), 15_000);
  t.is(old.status, 200);
  t.is(old.body.status, 'degraded');
  t.is((old.body.keys as { signingAgeDays: number }).signingAgeDays, 400);
});
