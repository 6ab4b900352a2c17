import test from 'ava';
import type * as oidc from 'openid-client';
import { AuditModel } from '../src/db/models/audit.ts';
import { completeLogin, relyingParty, startLogin, submitGraduateLogin } from './helpers/relying-party.ts';
import { addGraduate, seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { StaffMember } from './helpers/staff.ts';

// Issue 23, item 8: every check of a guessable secret is one step — same throttle, same audit, same page shape.
let service: TestService;
let rp: oidc.Configuration;

test.before(async () => {
  // Three free failures per secret holder, as in production; the client address keeps the tests' large budget.
  service = await startTestService('guesses', { throttle: { accountFreeFailures: 3 } });
  const university = await seedUniversity(service);
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
});
test.after.always(() => service?.stop());

const lastAudit = async (event: string) => (await AuditModel.findOne({ event }).sort({ at: -1 }).lean())?.detail;

test('a wrong login, staff password, staff code and password re-entry are each audited alike, with what was tried and why', async (t) => {
  const graduate = await addGraduate(service, 'guess.audit@example.com');
  await submitGraduateLogin(await startLogin(rp), { ...graduate, password: 'Wrong2026guess' });
  t.like(await lastAudit('login.failed'), { method: 'graduate-password', reason: 'wrong-secret' });

  const staff = await StaffMember.create(service, 'test-univ', 'guess.staff@test-univ.example');
  const wrongPassword = await staff.signIn('Wrong2026staffpw');
  t.is(wrongPassword.status, 401);
  t.like(await lastAudit('staff.login_failed'), { method: 'staff-password', reason: 'wrong-secret' });
  const codePage = await staff.signIn();
  const wrongCode = await staff.enterCode(codePage, '000000');
  t.is(wrongCode.status, 401);
  t.like(await lastAudit('staff.totp_failed'), { method: 'staff-totp', reason: 'wrong-secret' });

  const { browser } = await completeLogin(rp, graduate);
  const passkeys = `${service.issuer}/t/test-univ/account/passkeys`;
  const page = await browser.page(passkeys);
  const wrong = await browser.submit(`${passkeys}/confirm`, page, {
    password: graduate.password,
    secondPassword: 'Wrong2026second',
  });
  t.is(wrong.status, 401);
  t.regex(wrong.html, /パスワードまたは第2パスワードが正しくありません。/, 'no word of a mail address on a page that asks none');
  t.like(await lastAudit('account.reauth_failed'), { method: 'reauth-passwords', reason: 'wrong-secret' });
});

test('asking a secret again is slowed down like a login: after the free failures the page says how long to wait', async (t) => {
  const graduate = await addGraduate(service, 'guess.slow@example.com');
  const { browser } = await completeLogin(rp, graduate);
  const passkeys = `${service.issuer}/t/test-univ/account/passkeys`;
  const page = await browser.page(passkeys);
  const statuses: Array<number | undefined> = [];
  for (let i = 0; i < 5; i++) {
    const result = await browser.submit(`${passkeys}/confirm`, page, {
      password: 'Wrong2026guess',
      secondPassword: 'Wrong2026guess',
    });
    statuses.push(result.status);
    if (result.status === 429) {
      t.regex(result.html, /秒/, 'the wait is named');
      break;
    }
  }
  t.is(statuses.at(-1), 429, `slowed after the free failures (${statuses.join(', ')})`);
});
