import test from 'ava';
import * as oidc from 'openid-client';
import { createGraduate, parseName } from '../src/admin/accounts.ts';
import { AccountModel } from '../src/db/models/account.ts';
import { formAction, inputValue } from './helpers/browser.ts';
import { completeLogin, relyingParty, type StartedLogin, startLogin, submitGraduateLogin } from './helpers/relying-party.ts';
import { REDIRECT_URI, seedUniversity, startTestService, type TestService } from './helpers/service.ts';

let service: TestService;
let university: Awaited<ReturnType<typeof seedUniversity>>;
let rp: oidc.Configuration;

test.before(async () => {
  service = await startTestService('first-login');
  university = await seedUniversity(service);
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
});
test.after.always(() => service?.stop());

async function graduateWithInitialPassword(email: string, validDays = 30) {
  await createGraduate(service.hasher, {
    tenantId: university.tenantId,
    email,
    initialPassword: 'Initial2026pw',
    validDays,
    name: { kanji: parseName('初回 太郎', 'name') },
    studentIds: [],
  });
  return { email, password: 'Initial2026pw', secondPassword: '' };
}

async function postPasswords(login: StartedLogin, page: string, pageUrl: string, fields: Record<string, string>) {
  const action = new URL(formAction(page), pageUrl).href;
  const result = await login.browser.postForm(action, { _csrf: inputValue(page, '_csrf'), ...fields }, REDIRECT_URI);
  return { status: result.response?.status, page: (await result.response?.text()) ?? '', url: result.url };
}

const good = {
  password: 'NewPass2026',
  passwordConfirm: 'NewPass2026',
  secondPassword: 'Second2026b',
  secondPasswordConfirm: 'Second2026b',
};

test('a graduate logs in with the initial password and an empty second password, sets both passwords, and reaches the relying party', async (t) => {
  const credentials = await graduateWithInitialPassword('first@example.com');
  const login = await startLogin(rp);
  const setting = await submitGraduateLogin(login, credentials);
  t.regex(setting.url, /\/continue$/);
  t.regex(setting.page, /パスワード設定/);

  const done = await postPasswords(login, setting.page, setting.url, good);
  t.is(done.status, 200);
  t.regex(done.page, /パスワードと第2パスワードを設定しました/);
  const ok = done.page.match(/<a class="button primary" href="([^"]+)"/)?.[1] as string;
  const back = await login.browser.follow(new URL(ok.replaceAll('&amp;', '&'), done.url).href, {}, REDIRECT_URI);
  const tokens = await oidc.authorizationCodeGrant(rp, new URL(back.url), {
    pkceCodeVerifier: login.verifier,
    expectedState: login.state,
    expectedNonce: login.nonce,
  });
  t.is(tokens.claims()?.email, 'first@example.com');
  // The login earned the initial password only: no second password was entered (X3.6).
  t.is(tokens.claims()?.acr, 'urn:cert-idp:acr:password');
  t.deepEqual(tokens.claims()?.amr, ['pwd']);

  // From now on: the new passwords work, the initial one does not.
  const again = await submitGraduateLogin(await startLogin(rp), {
    email: 'first@example.com',
    password: 'NewPass2026',
    secondPassword: 'Second2026b',
  });
  t.true(again.url.startsWith(REDIRECT_URI));
  const initial = await submitGraduateLogin(await startLogin(rp), credentials);
  t.is(initial.status, 401);
});

test('a relying party that asks for both passwords gets unmet_authentication_requirements from a first login that entered none', async (t) => {
  const credentials = await graduateWithInitialPassword('first.acr@example.com');
  const login = await startLogin(rp, { acr_values: 'urn:cert-idp:acr:password+second-password' });
  const setting = await submitGraduateLogin(login, credentials);
  t.regex(setting.page, /パスワード設定/, 'the offer matched what it asked for');
  const done = await postPasswords(login, setting.page, setting.url, good);
  const ok = done.page.match(/<a class="button primary" href="([^"]+)"/)?.[1] as string;
  const back = await login.browser.follow(new URL(ok.replaceAll('&amp;', '&'), done.url).href, {}, REDIRECT_URI);
  t.true(back.url.startsWith(REDIRECT_URI));
  t.is(new URL(back.url).searchParams.get('error'), 'unmet_authentication_requirements');
  t.is(new URL(back.url).searchParams.get('code'), null, 'no code');
  const next = await completeLogin(
    rp,
    { email: 'first.acr@example.com', password: 'NewPass2026', secondPassword: 'Second2026b' },
    {
      acr_values: 'urn:cert-idp:acr:password+second-password',
    },
  );
  t.is(next.tokens.claims()?.acr, 'urn:cert-idp:acr:password+second-password', 'the next login, with both, earns it');
});

test('the Password Setting screen names each broken rule and keeps the graduate on it', async (t) => {
  const credentials = await graduateWithInitialPassword('rules@example.com');
  const login = await startLogin(rp);
  const setting = await submitGraduateLogin(login, credentials);
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ ...good, password: 'short1A', passwordConfirm: 'short1A' }, 'password', /8文字以上にしてください/],
    [{ ...good, password: 'nouppercase1', passwordConfirm: 'nouppercase1' }, 'password', /英大文字/],
    [{ ...good, password: 'NOLOWERCASE1', passwordConfirm: 'NOLOWERCASE1' }, 'password', /英小文字/],
    [{ ...good, password: 'NoDigitsHere', passwordConfirm: 'NoDigitsHere' }, 'password', /数字/],
    [{ ...good, password: 'Zenkaku２０２６Ab', passwordConfirm: 'Zenkaku２０２６Ab' }, 'password', /半角英数字のみ/],
    [{ ...good, passwordConfirm: 'Different2026' }, 'passwordConfirm', /一致しません/],
    [
      { ...good, secondPassword: good.password, secondPasswordConfirm: good.password },
      'secondPassword',
      /異なるものにしてください/,
    ],
    [
      { ...good, password: 'Initial2026pw', passwordConfirm: 'Initial2026pw' },
      'password',
      /初期パスワード（現在のパスワード）とは異なる/,
    ],
  ];
  /** The message beside a field: its error element, up to the end of it. */
  const beside = (page: string, field: string) => page.slice(page.indexOf(`id="${field}-error"`)).split('</div>')[0] ?? '';
  for (const [fields, field, message] of cases) {
    const result = await postPasswords(login, setting.page, setting.url, fields);
    t.is(result.status, 400, field);
    t.regex(beside(result.page, field), message, `${field}: ${message}`);
  }
  // Several broken rules are a list, one rule an item, not one run-on sentence.
  const several = await postPasswords(login, setting.page, setting.url, { ...good, password: 'abc', passwordConfirm: 'abc' });
  const items = beside(several.page, 'password').match(/<li>/g) ?? [];
  t.true(items.length >= 3, `${items.length} items`);
  t.true((await AccountModel.findOne({ email: 'rules@example.com' }).lean())?.mustSetPasswords, 'nothing was changed');
});

test('an expired initial password does not log in', async (t) => {
  const credentials = await graduateWithInitialPassword('late@example.com');
  await AccountModel.updateOne(
    { email: 'late@example.com' },
    { $set: { initialPasswordExpiresAt: new Date(Date.now() - 1000) } },
  );
  const result = await submitGraduateLogin(await startLogin(rp), credentials);
  t.is(result.status, 401);
  t.regex(result.page, /メールアドレス、パスワードまたは第2パスワードが正しくありません/);
});

test('the Password Setting screen cannot be reached without the initial password', async (t) => {
  const login = await startLogin(rp);
  const uid = new URL(login.pageUrl).pathname.split('/')[2];
  const response = await login.browser.request(`${service.issuer}/interaction/${uid}/continue`);
  t.is(response.status, 400);
  t.regex(await response.text(), /有効期限が切れました/);
});
