import test from 'ava';
import * as oidc from 'openid-client';
import { AccountModel } from '../src/db/models/account.ts';
import { Applicant } from './helpers/applicant.ts';
import { Browser } from './helpers/browser.ts';
import { completeLogin, relyingParty } from './helpers/relying-party.ts';
import { addGraduate, capturingLogger, seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { recipients } from './helpers/smtp-sink.ts';

// Requirement X3.1: whoever reads the service's logs cannot open a one-time URL or use a token.
const { logger: serviceLogger, lines: logLines } = capturingLogger('debug');
let service: TestService;
let university: Awaited<ReturnType<typeof seedUniversity>>;

test.before(async () => {
  service = await startTestService('log-secrets', {}, serviceLogger);
  university = await seedUniversity(service);
});
test.after.always(() => service?.stop());

/** The secret part of a mailed one-time URL: its last path segment. */
const tokenOf = (url: string) => new URL(url).pathname.split('/').pop() as string;

async function mailedUrl(to: string, pattern: RegExp): Promise<string> {
  const mail = await service.smtp.waitFor((m) => recipients(m) === to && pattern.test(m.text ?? ''));
  return (mail.text ?? '').match(pattern)?.[1] as string;
}

/** Opens a mailed URL and sends its form once with nothing filled in, as a hurried person would. */
async function openAndSend(url: string): Promise<void> {
  const browser = new Browser();
  const page = await browser.page(url);
  await browser.submit(url, page, {});
}

test('an operator reading the log of every journey that mails a link finds no token, code or secret in it', async (t) => {
  const secrets: string[] = [university.client.secret];

  const applicant = new Applicant(service);
  await applicant.requestMail('log-applicant@example.com');
  const applyUrl = await applicant.mailedUrl('log-applicant@example.com');
  await applicant.agree(applyUrl);
  secrets.push(tokenOf(applyUrl));

  const graduate = await addGraduate(service, 'log-graduate@example.com');
  const student = 'log-student@example.com';
  await AccountModel.create({
    tenantId: 'test-univ',
    kind: 'student',
    email: student,
    emailVerified: true,
    secondPasswordHash: await service.hasher.hash('Student2026second'),
  });
  for (const [kind, email] of [
    ['password-reset', graduate.email],
    ['second-password-reset', student],
  ] as const) {
    const browser = new Browser();
    const start = `${service.issuer}/t/test-univ/${kind}`;
    await browser.submit(start, await browser.page(start), { email });
    const url = await mailedUrl(email, new RegExp(`(http\\S+/${kind}/\\S+)`));
    await openAndSend(url);
    secrets.push(tokenOf(url));
  }

  const rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
  const { tokens, browser } = await completeLogin(rp, graduate);
  secrets.push(tokens.access_token, tokens.refresh_token as string);
  const refreshed = await oidc.refreshTokenGrant(rp, tokens.refresh_token as string);
  secrets.push(refreshed.access_token);
  await oidc.fetchUserInfo(rp, refreshed.access_token, oidc.skipSubjectCheck);

  const emailPage = `${service.issuer}/t/test-univ/account/email`;
  const moved = 'log-moved@example.com';
  await browser.submit(emailPage, await browser.page(emailPage), { email: moved, emailConfirm: moved });
  const verifyUrl = await mailedUrl(moved, /(http\S+\/email\/verify\/\S+)/);
  await openAndSend(verifyUrl);
  secrets.push(tokenOf(verifyUrl));

  // A guessed one-time URL is logged without the guess too.
  const guess = 'Gu3ssedT0kenValue-abcdefghijklmnop';
  await new Browser().page(`${service.issuer}/t/test-univ/password-reset/${guess}`);
  secrets.push(guess);

  const log = logLines.join('');
  t.true(logLines.length > 20, 'the journeys were logged');
  t.regex(log, /"path":"\/t\/:tenant\/password-reset\/:token"/, 'the route pattern stands where the URL was');
  for (const secret of secrets) {
    t.true(secret.length >= 16, 'each secret was collected');
    t.false(log.includes(secret), `a secret of ${secret.length} characters appears in the log`);
  }
});
