import test from 'ava';
import type * as oidc from 'openid-client';
import { AuditModel } from '../src/db/models/audit.ts';
import { relyingParty, startLogin, submitGraduateLogin } from './helpers/relying-party.ts';
import { runScript } from './helpers/run.ts';
import { GRADUATE, seedUniversity, startTestService, type TestService } from './helpers/service.ts';

let service: TestService;
let university: Awaited<ReturnType<typeof seedUniversity>>;
let rp: oidc.Configuration;

test.before(async () => {
  service = await startTestService('audit');
  university = await seedUniversity(service);
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
});
test.after.always(() => service?.stop());

test.serial('logins and failed logins are audited with who, when and from where, and never with secrets', async (t) => {
  await submitGraduateLogin(await startLogin(rp), { ...GRADUATE, password: 'Wrong2026audit' });
  await submitGraduateLogin(await startLogin(rp), GRADUATE);
  const failed = await AuditModel.findOne({ event: 'login.failed' }).lean();
  t.is(failed?.tenantId, 'test-univ');
  t.regex(failed?.ip ?? '', /127\.0\.0\.1/);
  t.truthy(failed?.at);
  const succeeded = await AuditModel.findOne({ event: 'login.succeeded' }).lean();
  t.is(succeeded?.accountId, university.accountId);
  const everything = JSON.stringify(await AuditModel.find().lean());
  for (const secret of [GRADUATE.password, GRADUATE.secondPassword, 'Wrong2026audit']) t.false(everything.includes(secret));
});

test.serial('operator commands are audited, secrets masked, and operators read the audit log with the CLI', async (t) => {
  const env = { NODE_ENV: 'test', MONGODB_URI: service.config.mongodb.uri as string, USER: 'ops-tanaka' };
  const created = await runScript(
    'src/cli/main.ts',
    [
      'account',
      'create-graduate',
      '--tenant',
      'test-univ',
      '--email',
      'audited@example.com',
      '--name-kanji',
      '監査 太郎',
      '--password',
      'Audit2026pass',
      '--second-password',
      'Audit2026two',
    ],
    env,
  );
  t.is(created.code, 0, created.stderr);
  const entry = await AuditModel.findOne({ event: 'operator.account.create-graduate' }).lean();
  t.is(entry?.operator, 'ops-tanaka');
  t.regex(String(entry?.detail?.args), /--password \*\*\* --second-password \*\*\*/);
  t.false(JSON.stringify(entry).includes('Audit2026pass'));

  const list = await runScript('src/cli/main.ts', ['audit', 'list', '--tenant', 'test-univ', '--event', 'login.'], env);
  t.is(list.code, 0, list.stderr);
  t.regex(list.stdout, /\tlogin\.succeeded\ttest-univ\taccount:[0-9a-f]{24}\t/);
  t.notRegex(list.stdout, /operator\./, 'filtered by event');
});
