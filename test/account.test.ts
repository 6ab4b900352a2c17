import test from 'ava';
import type * as oidc from 'openid-client';
import { AccountModel } from '../src/db/models/account.ts';
import { OneTimeTokenModel } from '../src/db/models/one-time-token.ts';
import { protocolStore } from '../src/db/protocol-store.ts';
import { accountRecords } from '../src/oidc/records.ts';
import { Browser, formAction, inputValue } from './helpers/browser.ts';
import { completeLogin, relyingParty, startLogin, submitGraduateLogin } from './helpers/relying-party.ts';
import { addGraduate, REDIRECT_URI, seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { recipients } from './helpers/smtp-sink.ts';

let service: TestService;
let rp: oidc.Configuration;
let seq = 0;

test.before(async () => {
  service = await startTestService('account');
  const university = await seedUniversity(service);
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
});
test.after.always(() => service?.stop());

/** A fresh graduate of its own per test, so tests can change credentials freely. */
async function graduate() {
  return addGraduate(service, `g${++seq}@example.com`);
}

const account = (path = '') => `${service.issuer}/t/test-univ/account${path}`;

test('a graduate logged in at the relying party opens the account pages without logging in again and sees the previous login', async (t) => {
  const credentials = await graduate();
  await completeLogin(rp, credentials);
  const { browser } = await completeLogin(rp, credentials);
  const menu = await browser.page(account());
  t.is(menu.url, account());
  t.regex(menu.html, /鈴木 一郎 さん/);
  t.regex(menu.html, /前回ログイン日時: <strong>\d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d{2}<\/strong>/);
  for (const item of ['個人設定', 'メールアドレス変更', 'パスワード変更', '第2パスワード変更', 'ログアウト'])
    t.regex(menu.html, new RegExp(item));
});

test('someone not logged in is sent through the login and comes back to the account page', async (t) => {
  const credentials = await graduate();
  const browser = new Browser();
  const login = await browser.page(account('/password'));
  t.regex(login.url, /\/interaction\//);
  const result = await browser.postForm(new URL(formAction(login.html, '/login'), login.url).href, {
    _csrf: inputValue(login.html, '_csrf'),
    ...credentials,
  });
  t.is(result.url, account('/password'));
  t.regex((await result.response?.text()) ?? '', /現在のパスワード/);
});

test('a graduate changes the password; every rule is checked and the other sessions end', async (t) => {
  const credentials = await graduate();
  const { browser } = await completeLogin(rp, credentials);
  const { browser: other } = await completeLogin(rp, credentials);
  const form = await browser.page(account('/password'));
  const wrong = await browser.submit(account('/password'), form, {
    current: 'Nope2026pass',
    next: 'Newer2026pw',
    confirm: 'Newer2026pw',
  });
  t.regex(wrong.html, /id="current-error"[^>]*>現在のパスワードが正しくありません/);
  const weak = await browser.submit(account('/password'), form, { current: credentials.password, next: 'weak', confirm: 'weak' });
  t.regex(weak.html, /id="next-error"[^>]*><p>パスワード:<\/p><ul><li>8文字以上/);
  const mismatch = await browser.submit(account('/password'), form, {
    current: credentials.password,
    next: 'Newer2026pw',
    confirm: 'Newer2026px',
  });
  t.regex(mismatch.html, /id="confirm-error"[^>]*>パスワードと確認用の入力が一致しません/);
  const same = await browser.submit(account('/password'), form, {
    current: credentials.password,
    next: credentials.password,
    confirm: credentials.password,
  });
  t.regex(same.html, /id="next-error"[^>]*>新しいパスワードは現在のものと異なるものにしてください/);
  const asSecond = await browser.submit(account('/password'), form, {
    current: credentials.password,
    next: credentials.secondPassword,
    confirm: credentials.secondPassword,
  });
  t.regex(asSecond.html, /id="next-error"[^>]*>パスワードと第2パスワードは異なるものにしてください/);

  const done = await browser.submit(account('/password'), form, {
    current: credentials.password,
    next: 'Newer2026pw',
    confirm: 'Newer2026pw',
  });
  t.is(done.status, 200);
  t.regex(done.html, /パスワードを変更しました/);
  t.is((await browser.page(account())).url, account(), 'this session goes on');
  t.regex((await other.page(account())).url, /\/interaction\//, 'the other session has ended');
  const old = await submitGraduateLogin(await startLogin(rp), credentials);
  t.is(old.status, 401);
  const fresh = await submitGraduateLogin(await startLogin(rp), { ...credentials, password: 'Newer2026pw' });
  t.true(fresh.url.startsWith(REDIRECT_URI));
});

test('a graduate changes the second password', async (t) => {
  const credentials = await graduate();
  const { browser } = await completeLogin(rp, credentials);
  const form = await browser.page(account('/second-password'));
  t.regex(form.html, /現在の第2パスワード/);
  const wrong = await browser.submit(account('/second-password'), form, {
    current: credentials.password,
    next: 'Second2026new',
    confirm: 'Second2026new',
  });
  t.regex(wrong.html, /現在の第2パスワードが正しくありません/);
  const done = await browser.submit(account('/second-password'), form, {
    current: credentials.secondPassword,
    next: 'Second2026new',
    confirm: 'Second2026new',
  });
  t.regex(done.html, /第2パスワードを変更しました/);
  const fresh = await submitGraduateLogin(await startLogin(rp), { ...credentials, secondPassword: 'Second2026new' });
  t.true(fresh.url.startsWith(REDIRECT_URI));
});

test('a graduate who forgot the password resets both passwords from a mailed link', async (t) => {
  const credentials = await graduate();
  const browser = new Browser();
  const form = await browser.page(`${service.issuer}/t/test-univ/password-reset`);
  t.regex(form.html, /パスワードを忘れた場合/);
  const sent = await browser.submit(`${service.issuer}/t/test-univ/password-reset`, form, { email: credentials.email });
  t.regex(sent.html, /パスワード再設定用のメールを送信しました/);
  const mail = await service.smtp.waitFor((m) => recipients(m) === credentials.email && /パスワード再設定/.test(m.subject ?? ''));
  const url = (mail.text ?? '').match(/(http\S+\/password-reset\/\S+)/)?.[1] as string;
  const setForm = await browser.page(url);
  const same = await browser.submit(url, setForm, {
    password: credentials.password,
    passwordConfirm: credentials.password,
    secondPassword: 'Brand2026new',
    secondPasswordConfirm: 'Brand2026new',
  });
  t.regex(same.html, /初期パスワード（現在のパスワード）とは異なる/);
  const sameSecond = await browser.submit(url, setForm, {
    password: 'Brand2026pw',
    passwordConfirm: 'Brand2026pw',
    secondPassword: credentials.secondPassword,
    secondPasswordConfirm: credentials.secondPassword,
  });
  t.regex(sameSecond.html, /これまでの第2パスワードとは異なるものにしてください/);
  const done = await browser.submit(url, setForm, {
    password: 'Brand2026pw',
    passwordConfirm: 'Brand2026pw',
    secondPassword: 'Brand2026new',
    secondPasswordConfirm: 'Brand2026new',
  });
  t.regex(done.html, /パスワードまたは第2パスワードを設定しました/);
  t.regex(done.html, /href="https:\/\/cert\.test-univ\.example\/login"/);
  const reused = await new Browser().page(url);
  t.is(reused.status, 410);
  const login = await submitGraduateLogin(await startLogin(rp), {
    email: credentials.email,
    password: 'Brand2026pw',
    secondPassword: 'Brand2026new',
  });
  t.true(login.url.startsWith(REDIRECT_URI));
});

test('a password reset for an unknown address looks the same and sends nothing; an expired link is refused', async (t) => {
  const browser = new Browser();
  const form = await browser.page(`${service.issuer}/t/test-univ/password-reset`);
  const before = service.smtp.messages.length;
  const sent = await browser.submit(`${service.issuer}/t/test-univ/password-reset`, form, { email: 'nobody-here@example.com' });
  t.regex(sent.url, /\/password-reset\/sent$/);
  t.regex(sent.html, /パスワード再設定用のメールを送信しました/);
  // The same work as for a known address (test/address-enumeration.test.ts), but bound to no account.
  const written = await OneTimeTokenModel.find({ email: 'nobody-here@example.com' }).lean();
  t.true(
    written.every((token) => !token.ref),
    'no token leads to an account',
  );
  t.is(service.smtp.messages.filter((m) => recipients(m) === 'nobody-here@example.com').length, 0);
  t.true(service.smtp.messages.length >= before);

  const credentials = await graduate();
  await browser.submit(`${service.issuer}/t/test-univ/password-reset`, form, { email: credentials.email });
  const mail = await service.smtp.waitFor((m) => recipients(m) === credentials.email);
  const url = (mail.text ?? '').match(/(http\S+\/password-reset\/\S+)/)?.[1] as string;
  await OneTimeTokenModel.updateOne(
    { email: credentials.email, purpose: 'password-reset' },
    { $set: { expiresAt: new Date(Date.now() - 1000) } },
  );
  const expired = await browser.page(url);
  t.is(expired.status, 410);
  t.regex(expired.html, /URLの有効期限が切れています/);
});

test('a graduate changes the mail address at the new address, and the old address is told', async (t) => {
  const credentials = await graduate();
  const other = await graduate();
  const { browser } = await completeLogin(rp, credentials);
  const form = await browser.page(account('/email'));
  const taken = await browser.submit(account('/email'), form, { email: other.email, emailConfirm: other.email });
  t.regex(taken.html, /id="email-error"[^>]*>このメールアドレスはすでに使用されています/);
  const newAddress = `moved-${credentials.email}`;
  const sent = await browser.submit(account('/email'), form, { email: newAddress, emailConfirm: newAddress });
  t.regex(sent.html, /新しいメールアドレスに確認メールを送信しました/);
  const mail = await service.smtp.waitFor((m) => recipients(m) === newAddress);
  const url = (mail.text ?? '').match(/(http\S+\/email\/verify\/\S+)/)?.[1] as string;

  const phone = new Browser();
  const confirm = await phone.page(url);
  t.regex(confirm.html, new RegExp(`${newAddress.replace('.', '\\.')} に変更します`));
  const done = await phone.submit(url, confirm, {});
  t.regex(done.html, /メールアドレスを変更しました/);
  t.is((await AccountModel.findOne({ email: newAddress }).lean())?.birthdate, '1992-02-02');
  const notice = await service.smtp.waitFor((m) => recipients(m) === credentials.email && /変更されました/.test(m.subject ?? ''));
  t.regex(notice.text ?? '', new RegExp(newAddress.replace('.', '\\.')));
  const reused = await new Browser().page(url);
  t.is(reused.status, 410);
});

test('a graduate changes personal information through a confirmation screen', async (t) => {
  const credentials = await graduate();
  const { browser } = await completeLogin(rp, credentials);
  const form = await browser.page(account('/personal'));
  t.regex(form.html, /value="スズキ イチロウ"/);
  const values = {
    nameKanji: '鈴木 一郎',
    nameKana: 'すずき',
    nameRoman: 'SUZUKI Ichiro',
    sex: 'male',
    birthdate: '1992-02-02',
    postalCode: '5300001',
    prefecture: '大阪府',
    city: '大阪市北区',
    street: '梅田1-1',
    building: '',
    phone: '06-1111-2222',
    mobile: '',
  };
  const wrong = await browser.submit(account('/personal'), form, values);
  t.is(wrong.status, 400);
  t.regex(wrong.html, /id="nameKana-error"/);
  const confirm = await browser.submit(account('/personal'), form, { ...values, nameKana: 'スズキ イチロウ' });
  t.regex(confirm.html, /変更内容の確認/);
  t.regex(confirm.html, /530-0001/);
  const done = await browser.submit(account('/personal'), confirm, {
    ...values,
    nameKana: 'スズキ イチロウ',
    postalCode: '530-0001',
    confirmed: 'yes',
  });
  t.regex(done.html, /変更が完了しました/);
  const saved = await AccountModel.findOne({ email: credentials.email }).lean();
  t.is(saved?.contact?.prefecture, '大阪府');
  t.is(saved?.contact?.postalCode, '530-0001');
});

test('a session ends after the configured time without use, and logging out from the menu ends it at once', async (t) => {
  const credentials = await graduate();
  const { browser } = await completeLogin(rp, credentials);
  await browser.page(account());
  const accountId = (await AccountModel.findOne({ email: credentials.email }).lean())?._id.toString();
  const [session] = await accountRecords('Session', accountId as string);
  const left = (await protocolStore().pttl(`Session:${session?.id}`)) / 60_000;
  t.true(left > 29 && left <= 30, `idle limit applied (${left} minutes left)`);
  await protocolStore().del(`Session:${session?.id}`);
  t.regex((await browser.page(account())).url, /\/interaction\//, 'idle session ended');

  const again = await completeLogin(rp, credentials);
  const menu = await again.browser.page(account());
  const logoutUrl = menu.html.match(/href="(\/session\/end\?[^"]+)"/)?.[1]?.replaceAll('&amp;', '&') as string;
  const confirm = await again.browser.page(`${service.issuer}${logoutUrl}`);
  const action = confirm.html.match(/<form id="op\.logoutForm"[^>]*action="([^"]+)"/)?.[1] as string;
  const done = await again.browser.postForm(new URL(action, confirm.url).href, {
    xsrf: inputValue(confirm.html, 'xsrf'),
    logout: 'yes',
  });
  t.is(done.url, account('/logged-out'));
  t.regex((await again.browser.page(account())).url, /\/interaction\//, 'logged out');
});

test('the account pages follow the chosen language', async (t) => {
  const credentials = await graduate();
  const { browser } = await completeLogin(rp, credentials);
  const menu = await browser.page(`${account()}?lang=en`);
  t.regex(menu.html, /Date and time of previous login/);
  t.regex(menu.html, /Change second password/);
});
