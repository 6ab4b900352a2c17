import test from 'ava';
import type { ParsedMail } from 'mailparser';
import type * as oidc from 'openid-client';
import { Browser } from './helpers/browser.ts';
import { completeLogin, relyingParty } from './helpers/relying-party.ts';
import { addGraduate, mailsWritten, seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { recipients } from './helpers/smtp-sink.ts';

// Issue 23, item 5 (ASVS V2.2.3): the person is told, in their language, of every change to the account.
let service: TestService;
let rp: oidc.Configuration;

test.before(async () => {
  service = await startTestService('notices');
  const university = await seedUniversity(service);
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
});
test.after.always(() => service?.stop());

const mailsTo = (to: string, subject: RegExp) => mailsWritten(service, to, subject);
const waitFor = (to: string, subject: RegExp) =>
  service.smtp.waitFor((m) => recipients(m) === to && subject.test(m.subject ?? ''));

/** What every notice must say and must not carry. */
function isNotice(t: import('ava').ExecutionContext, mail: ParsedMail, secrets: string[] = []) {
  const text = mail.text ?? '';
  t.regex(text, /日時：\d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d{2}（日本時間）/, 'when, in Japan time');
  t.regex(text, /お心当たりのない場合は[\s\S]*\/t\/test-univ\/password-reset/, 'what to do if it was not them');
  t.regex(text, /お問い合わせ先：テスト大学 教務課/, "the university's inquiry contact");
  for (const secret of secrets) t.false(text.includes(secret), 'no secret in the mail');
}

test('a graduate who changes the password is mailed that it changed, when, and what to do if it was not them', async (t) => {
  const graduate = await addGraduate(service, 'notice.password@example.com');
  const { browser } = await completeLogin(rp, graduate);
  const url = `${service.issuer}/t/test-univ/account/password`;
  await browser.submit(url, await browser.page(url), {
    current: graduate.password,
    next: 'Renewed2031x',
    confirm: 'Renewed2031x',
  });
  isNotice(t, await waitFor(graduate.email, /パスワードが変更されました/), [graduate.password, 'Renewed2031x']);
});

test('a reset of both passwords and a change of mail address are told, the change to the old address with both', async (t) => {
  const graduate = await addGraduate(service, 'notice.reset@example.com');
  const browser = new Browser();
  const start = `${service.issuer}/t/test-univ/password-reset`;
  await browser.submit(start, await browser.page(start), { email: graduate.email });
  const link = ((await waitFor(graduate.email, /パスワード再設定$/)).text ?? '').match(
    /(http\S+\/password-reset\/\S+)/,
  )?.[1] as string;
  await browser.submit(link, await browser.page(link), {
    password: 'Reset2031pass',
    passwordConfirm: 'Reset2031pass',
    secondPassword: 'Reset2031second',
    secondPasswordConfirm: 'Reset2031second',
  });
  const reset = await waitFor(graduate.email, /パスワードが再設定されました/);
  isNotice(t, reset, ['Reset2031pass', 'Reset2031second', link]);

  const { browser: signedIn } = await completeLogin(rp, {
    ...graduate,
    password: 'Reset2031pass',
    secondPassword: 'Reset2031second',
  });
  const emailPage = `${service.issuer}/t/test-univ/account/email`;
  const moved = 'notice.moved@example.com';
  await signedIn.submit(emailPage, await signedIn.page(emailPage), { email: moved, emailConfirm: moved });
  const verify = ((await waitFor(moved, /./)).text ?? '').match(/(http\S+\/email\/verify\/\S+)/)?.[1] as string;
  const phone = new Browser();
  await phone.submit(verify, await phone.page(verify), {});
  const changed = await waitFor(graduate.email, /メールアドレスが変更されました/);
  isNotice(t, changed, [verify]);
  t.regex(changed.text ?? '', /変更前：notice\.reset@example\.com\n変更後：notice\.moved@example\.com/);
});

test('a login from a browser not seen before on the account is mailed with a line for the device; the first login ever and a known browser are not', async (t) => {
  const graduate = await addGraduate(service, 'notice.device@example.com');
  const subject = /新しい端末からログインがありました/;
  const first = await completeLogin(rp, graduate);
  t.is(await mailsTo(graduate.email, subject), 0, 'the first login ever is not mailed about');
  await completeLogin(rp, graduate, {});
  t.is(await mailsTo(graduate.email, subject), 1, 'only the second browser is new');
  const mail = await waitFor(graduate.email, subject);
  isNotice(t, mail, [graduate.password, graduate.secondPassword]);
  t.regex(mail.text ?? '', /端末：\S/);
  // The first browser again: known, no mail.
  const again = await first.browser.page(`${service.issuer}/t/test-univ/account`);
  t.is(again.status, 200);
  await completeLoginIn(first.browser, graduate);
  t.is(await mailsTo(graduate.email, subject), 1, 'a known browser is not mailed about');
});

/** A login at the relying party in a browser that already has our cookies. */
async function completeLoginIn(browser: Browser, credentials: { email: string; password: string; secondPassword: string }) {
  const { startLogin, submitGraduateLogin } = await import('./helpers/relying-party.ts');
  const login = await startLogin(rp, { prompt: 'login' }, browser);
  await submitGraduateLogin(login, credentials);
}
