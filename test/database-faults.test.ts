import test from 'ava';
import { type EmbeddedDb, startEmbeddedDb, throwAwayDataDir } from '../src/db/embedded.ts';
import { ApplicationModel } from '../src/db/models/application.ts';
import { freePort } from '../src/dev/free-port.ts';
import { Applicant } from './helpers/applicant.ts';
import { relyingParty, startLogin, submitGraduateLogin } from './helpers/relying-party.ts';
import { GRADUATE, REDIRECT_URI, seedUniversity, startTestService } from './helpers/service.ts';
import { recipients } from './helpers/smtp-sink.ts';
import { eventually } from './helpers/wait.ts';

test('with the database stopped mid-traffic, requests fail cleanly; when it returns the service recovers and nothing acknowledged is lost', async (t) => {
  const dataDir = throwAwayDataDir('cert-idp-fault-db-');
  const port = await freePort();
  let db: EmbeddedDb = await startEmbeddedDb({ port, dataDir, throwAway: true });
  const service = await startTestService('faults', {
    logLevel: 'error',
    mongodb: { uri: db.databaseUri('faults'), serverSelectionTimeoutMs: 1000 },
  });
  try {
    const university = await seedUniversity(service);
    const rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
    await new Applicant(service).apply('before.outage@example.com');
    const acknowledged = await ApplicationModel.countDocuments({ email: 'before.outage@example.com' });
    t.is(acknowledged, 1);
    await new Applicant(service).requestMail('mail.before.outage@example.com');

    await db.stop();
    // A one-time URL is looked up in the database (the university itself is known from the cache).
    const page = await fetch(`${service.issuer}/t/test-univ/apply/verify/${'a'.repeat(43)}`);
    t.is(page.status, 503);
    t.is(page.headers.get('retry-after'), '5');
    t.regex(await page.text(), /ただいまサービスを利用できません/);
    const ready = await fetch(`${service.issuer}/readyz`);
    t.is(ready.status, 503);
    t.is((await fetch(`${service.issuer}/healthz`)).status, 200, 'the process itself is alive');

    db = await startEmbeddedDb({ port, dataDir, throwAway: true });
    t.true(db.owned, 'the database came back on its own port, not something else that took it meanwhile');
    const readyAgain = await eventually(
      async () => (await fetch(`${service.issuer}/readyz`)).status,
      (status) => status === 200,
      60_000,
    );
    t.is(readyAgain, 200, 'recovered by itself');
    t.is(
      await ApplicationModel.countDocuments({ email: 'before.outage@example.com' }),
      1,
      'the acknowledged application is still there',
    );
    const mail = await service.smtp.waitFor((m) => recipients(m) === 'mail.before.outage@example.com', 30_000);
    t.truthy(mail);
    const login = await submitGraduateLogin(await startLogin(rp), GRADUATE);
    t.true(login.url.startsWith(REDIRECT_URI), 'logins work again');
    t.is(
      service.smtp.messages.filter((m) => recipients(m) === 'mail.before.outage@example.com').length,
      1,
      'the mail went out once',
    );
  } finally {
    await service.stop();
    await db.stop();
  }
});
