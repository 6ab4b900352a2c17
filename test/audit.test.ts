import test from 'ava';
import Koa from 'koa';
import type * as oidc from 'openid-client';
import { AuditModel } from '../src/db/models/audit.ts';
import { requestIds } from '../src/http/request-id.ts';
import { requestContext } from '../src/log.ts';
import { relyingParty, startLogin, submitGraduateLogin } from './helpers/relying-party.ts';
import { runScript } from './helpers/run.ts';
import { capturingLogger, GRADUATE, seedUniversity, startTestService, type TestService } from './helpers/service.ts';

let service: TestService;
let university: Awaited<ReturnType<typeof seedUniversity>>;
let rp: oidc.Configuration;

/** The service's log lines, as its operator's log store would keep them. */
const { logger: serviceLogger, lines: logLines } = capturingLogger('info');

test.before(async () => {
  service = await startTestService('audit', {}, serviceLogger);
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

test.serial(
  'an error page shows its request id as a code, by which an operator finds the request in the logs and what it audited',
  async (t) => {
    // A failed login (audited) answered with a page, then an expired interaction (an error page with a code).
    const failed = await submitGraduateLogin(await startLogin(rp), { ...GRADUATE, password: 'Wrong2026trace' });
    t.is(failed.status, 401);
    const entry = await AuditModel.findOne({ event: 'login.failed' }).sort({ at: -1 }).lean();
    t.regex(entry?.requestId ?? '', /^[A-Za-z0-9_-]{10}$/, 'the audit entry names its request');

    const expired = await fetch(`${service.issuer}/interaction/no-such-interaction`);
    const code = expired.headers.get('x-request-id') ?? '';
    t.is(expired.status, 400);
    t.true((await expired.text()).includes(`<code>${code}</code>`), 'the error page shows the request id as its code');
    const lines = logLines.map((line) => JSON.parse(line) as { requestId?: string; path?: string; status?: number });
    const ofRequest = lines.filter((line) => line.requestId === code);
    t.true(
      ofRequest.some((line) => line.path === '/interaction/:uid' && line.status === 400),
      'the logs hold the request by its code',
    );

    const env = { NODE_ENV: 'test', MONGODB_URI: service.config.mongodb.uri as string };
    const found = await runScript('src/cli/main.ts', ['audit', 'list', '--request', entry?.requestId ?? ''], env);
    t.is(found.code, 0);
    t.regex(
      found.stdout,
      new RegExp(`\\tlogin\\.failed\\t.*\\t${entry?.requestId}$`, 'm'),
      'the operator finds the entry by the code',
    );
  },
);

test.serial('every log line written while serving a request carries its id; only a trusted proxy may give it', async (t) => {
  const { logger, lines } = capturingLogger('info');
  requestContext.run({ requestId: 'abc123XYZ0' }, () => logger.info({ path: '/x' }, 'request'));
  logger.info('outside any request');
  t.is(JSON.parse(lines[0] ?? '{}').requestId, 'abc123XYZ0');
  t.is(JSON.parse(lines[1] ?? '{}').requestId, undefined);

  const untrusted = await fetch(`${service.issuer}/healthz`, { headers: { 'X-Request-Id': 'chosen-by-client' } });
  t.not(untrusted.headers.get('x-request-id'), 'chosen-by-client', 'a client cannot choose its id unless a proxy is trusted');
  const app = new Koa().use(requestIds(true)).use((ctx) => {
    ctx.body = ctx.state.requestId;
  });
  const server = app.listen(0);
  try {
    const { port } = server.address() as { port: number };
    const proxied = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'X-Request-Id': 'proxy-given-42' } });
    t.is(await proxied.text(), 'proxy-given-42', 'behind a trusted proxy its id is kept');
  } finally {
    server.close();
  }
});
