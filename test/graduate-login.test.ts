import test from 'ava';
import * as oidc from 'openid-client';
import { createGraduate, parseName } from '../src/admin/accounts.ts';
import { Browser, formAction, inputValue } from './helpers/browser.ts';
import { completeLogin, relyingParty, startLogin, submitGraduateLogin } from './helpers/relying-party.ts';
import { GRADUATE, REDIRECT_URI, seedUniversity, startTestService, type TestService } from './helpers/service.ts';

let service: TestService;
let university: Awaited<ReturnType<typeof seedUniversity>>;
let rp: oidc.Configuration;

test.before(async () => {
  service = await startTestService('graduate-login');
  university = await seedUniversity(service);
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
});

test.after.always(async () => {
  await service?.stop();
});

test('a relying party discovers the endpoints, the signing keys and the claims it can ask for', async (t) => {
  const meta = rp.serverMetadata();
  t.is(meta.issuer, service.issuer);
  t.deepEqual(meta.code_challenge_methods_supported, ['S256']);
  t.true(meta.scopes_supported?.includes('university'));
  for (const claim of ['student_ids', 'tenant', 'account_kind', 'name#ja-Kana-JP', 'previous_login_at']) {
    t.true((meta.claims_supported as string[]).includes(claim), claim);
  }
  t.truthy(meta.end_session_endpoint);
  const jwks = (await (await fetch(meta.jwks_uri as string)).json()) as { keys: Array<Record<string, string>> };
  t.is(jwks.keys.length, 1);
  t.is(jwks.keys[0]?.alg, 'RS256');
  t.false('d' in (jwks.keys[0] ?? {}), 'no private key material is published');
});

test.serial(
  'a graduate logs in with mail address, password and second password, and the relying party reads the claims',
  async (t) => {
    const { tokens } = await completeLogin(rp, GRADUATE);
    const claims = tokens.claims();
    t.truthy(claims);
    t.is(claims?.sub, university.accountId);
    t.is(claims?.email, GRADUATE.email);
    t.is(claims?.email_verified, true);
    t.is(claims?.tenant, 'test-univ');
    t.is(claims?.account_kind, 'graduate');
    t.is(claims?.name, '佐藤 花子');
    t.is(claims?.['name#ja-Kana-JP'], 'サトウ ハナコ');
    t.is(claims?.['family_name#ja-Latn-JP'], 'SATO');
    t.is(claims?.birthdate, '1999-05-06');
    t.deepEqual(claims?.student_ids, [
      {
        number: '19B0042',
        university: 'Test University',
        'university#ja': 'Test University',
        'university#en': 'Test University',
        department: 'Faculty of Science',
        subject: 'Physics',
        graduation: '2021-03',
        status: 'graduated',
      },
    ]);
    t.is(claims?.acr, 'urn:cert-idp:acr:password+second-password');
    t.deepEqual(claims?.amr, ['pwd', 'kba']);

    const userinfo = await oidc.fetchUserInfo(rp, tokens.access_token, university.accountId);
    t.is(userinfo.email, GRADUATE.email);
    t.is(userinfo.account_kind, 'graduate');
    t.deepEqual(userinfo.student_ids, claims?.student_ids);

    // The second login sees the first one as its "previous login".
    const second = (await completeLogin(rp, GRADUATE)).tokens.claims();
    t.is(typeof second?.previous_login_at, 'number');
    // Both are whole seconds taken a moment apart (the login is recorded just before auth_time is set).
    t.true((second?.previous_login_at as number) >= (claims?.auth_time as number) - 1);
  },
);

test('the relying party refreshes its tokens without the graduate logging in again', async (t) => {
  const { tokens } = await completeLogin(rp, GRADUATE);
  t.truthy(tokens.refresh_token);
  const refreshed = await oidc.refreshTokenGrant(rp, tokens.refresh_token as string);
  t.truthy(refreshed.access_token);
  t.not(refreshed.access_token, tokens.access_token);
  const userinfo = await oidc.fetchUserInfo(rp, refreshed.access_token, university.accountId);
  t.is(userinfo.email, GRADUATE.email);
});

test('a graduate who logs out at the relying party has to log in again next time', async (t) => {
  const { tokens, browser } = await completeLogin(rp, GRADUATE);
  // While the session lives, a new authorization goes straight back to the relying party.
  const silent = await startLogin(rp, {}, browser);
  t.true(silent.pageUrl.startsWith(REDIRECT_URI));

  const logoutUrl = oidc.buildEndSessionUrl(rp, {
    id_token_hint: tokens.id_token as string,
    post_logout_redirect_uri: 'http://127.0.0.1:9999/',
  });
  const confirm = await browser.get(logoutUrl.href);
  const page = (await confirm.response?.text()) ?? '';
  t.regex(page, /ログアウトしますか/);
  const action = page.match(/<form id="op\.logoutForm"[^>]*action="([^"]+)"/)?.[1] as string;
  const done = await browser.postForm(
    new URL(action, confirm.url).href,
    { xsrf: inputValue(page, 'xsrf'), logout: 'yes' },
    'http://127.0.0.1:9999/',
  );
  t.is(done.url, 'http://127.0.0.1:9999/');
  // The ended session's tokens are refused, although a token's session and grant are read as one.
  await t.throwsAsync(oidc.fetchUserInfo(rp, tokens.access_token, oidc.skipSubjectCheck));

  const again = await startLogin(rp, {}, browser);
  t.regex(again.pageUrl, /\/interaction\//);
  t.regex(again.page, /卒業生ログイン/);
});

for (const [what, credentials] of [
  ['a wrong password', { ...GRADUATE, password: 'Wrong2026pass' }],
  ['a wrong second password', { ...GRADUATE, secondPassword: 'Wrong2026x' }],
  ['an empty second password', { ...GRADUATE, secondPassword: '' }],
  ['an unknown mail address', { ...GRADUATE, email: 'nobody@example.com' }],
] as const) {
  test(`a graduate who types ${what} gets the one generic message and stays on the login page`, async (t) => {
    const login = await startLogin(rp);
    const result = await submitGraduateLogin(login, credentials);
    t.is(result.status, 401);
    t.regex(result.page, /メールアドレス、パスワードまたは第2パスワードが正しくありません。/);
    t.regex(result.page, new RegExp(`value="${credentials.email}"`), 'the typed address is kept');
    t.notRegex(result.page, /value="Wrong/, 'passwords are never echoed');
  });
}

test('a graduate who leaves fields empty or mistypes the address is told beside each field', async (t) => {
  const login = await startLogin(rp);
  const empty = await submitGraduateLogin(login, { email: '', password: '', secondPassword: '' });
  t.is(empty.status, 400);
  t.regex(empty.page, /id="email-error"[^>]*>メールアドレスを入力してください。/);
  t.regex(empty.page, /id="password-error"[^>]*>パスワードを入力してください。/);
  const malformed = await submitGraduateLogin(
    { ...login, page: empty.page },
    { email: 'not-an-address', password: 'x', secondPassword: 'y' },
  );
  t.regex(malformed.page, /id="email-error"[^>]*>メールアドレスの形式が正しくありません。/);
});

test('a relying party that asks to return to an unregistered redirect URI is refused', async (t) => {
  const browser = new Browser();
  const url = oidc.buildAuthorizationUrl(rp, { redirect_uri: 'https://evil.example/callback', scope: 'openid' });
  const response = await browser.request(url.href);
  t.is(response.status, 400);
  t.is(response.headers.get('location'), null);
  t.regex(await response.text(), /redirect_uri/);
});

test('a public client that does not use PKCE is refused', async (t) => {
  const publicRp = await relyingParty(service.issuer, university.publicClient.id);
  const browser = new Browser();
  const url = oidc.buildAuthorizationUrl(publicRp, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 'abc' });
  const response = await browser.request(url.href);
  const location = new URL(response.headers.get('location') ?? '', service.issuer);
  t.is(location.origin + location.pathname, REDIRECT_URI);
  t.is(location.searchParams.get('error'), 'invalid_request');
  t.regex(location.searchParams.get('error_description') ?? '', /PKCE/);
});

test('a public client with PKCE logs a graduate in without any client secret', async (t) => {
  const publicRp = await relyingParty(service.issuer, university.publicClient.id);
  const { tokens } = await completeLogin(publicRp, GRADUATE);
  t.is(tokens.claims()?.email, GRADUATE.email);
});

test('a confidential client with a wrong secret cannot exchange a code', async (t) => {
  const wrong = await relyingParty(service.issuer, university.client.id, 'not-the-secret');
  const error = await t.throwsAsync<oidc.WWWAuthenticateChallengeError>(completeLogin(wrong, GRADUATE));
  t.is(error?.status, 401);
  t.is(error?.cause[0]?.parameters.error, 'invalid_client');
});

test('the login page is Japanese by default, and the LANG pull-down switches it and the pages after it to English', async (t) => {
  const login = await startLogin(rp);
  t.regex(login.page, /<html lang="ja">/);
  t.regex(login.page, /テスト大学 卒業生ログイン/);
  t.regex(login.page, /パスワードを忘れた場合/);
  t.regex(login.page, /一定時間操作がない場合は自動的にログアウト/);
  t.regex(login.page, /お問い合わせ先: テスト大学 教務課/);

  const switched = await login.browser.get(`${login.pageUrl}?lang=en`);
  t.is(switched.url, login.pageUrl, 'the switch returns to the same page');
  const english = (await switched.response?.text()) ?? '';
  t.regex(english, /<html lang="en">/);
  t.regex(english, /Test University Graduate login/);
  t.regex(english, /If you have forgotten your password/);
  t.regex(english, /You will log out automatically if you do not make any operation/);

  const failed = await submitGraduateLogin({ ...login, page: english }, { ...GRADUATE, password: 'Wrong2026pass' });
  t.regex(failed.page, /The mail address, password or second password is incorrect\./);
});

test('a relying party can ask for English with ui_locales', async (t) => {
  const login = await startLogin(rp, { ui_locales: 'en-US ja' });
  t.regex(login.page, /<html lang="en">/);
  t.regex(login.page, /Graduate login/);
});

test.serial('the locale claim says the language the graduate last logged in in', async (t) => {
  const english = (await completeLogin(rp, GRADUATE, { ui_locales: 'en' })).tokens.claims();
  t.is(english?.locale, 'en');
  const japanese = (await completeLogin(rp, GRADUATE, { ui_locales: 'ja' })).tokens.claims();
  t.is(japanese?.locale, 'ja', 'not the language of the application or an earlier login');
});

test('a browser that prefers English by Accept-Language sees English', async (t) => {
  const login = await startLogin(rp, {}, new Browser({ 'accept-language': 'en-GB,en;q=0.9' }));
  t.regex(login.page, /Graduate login/);
});

test('a login form posted without its CSRF token is refused', async (t) => {
  const login = await startLogin(rp);
  const action = new URL(formAction(login.page, '/login'), login.pageUrl).href;
  const result = await login.browser.postForm(action, { ...GRADUATE, _csrf: 'forged' }, REDIRECT_URI);
  t.is(result.response?.status, 403);
  t.regex((await result.response?.text()) ?? '', /画面の有効期限が切れました/);
});

test('operators in form fields or JSON bodies never reach the database as queries', async (t) => {
  const login = await startLogin(rp);
  const action = new URL(formAction(login.page, '/login'), login.pageUrl).href;
  const csrf = inputValue(login.page, '_csrf');
  const bracket = await login.browser.request(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `_csrf=${encodeURIComponent(csrf)}&email[$ne]=x&password[$ne]=x&secondPassword[$ne]=x`,
  });
  t.is(bracket.status, 400);
  const json = await login.browser.request(action, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ _csrf: csrf, email: { $ne: null }, password: { $ne: null }, secondPassword: { $ne: null } }),
  });
  t.is(json.status, 415, 'a body that is not a form is refused before anything reads it');
});

test('an unknown or expired login page explains what to do instead of failing', async (t) => {
  const response = await new Browser().request(`${service.issuer}/interaction/does-not-exist`);
  t.is(response.status, 400);
  t.regex(await response.text(), /ログイン画面の有効期限が切れました/);
});

test('health and readiness endpoints report the process and the database', async (t) => {
  const health = await fetch(`${service.issuer}/healthz`);
  t.is(health.status, 200);
  const ready = (await (await fetch(`${service.issuer}/readyz`)).json()) as Record<string, unknown>;
  t.is(ready.status, 'ready');
  t.is(ready.database, true);
  t.deepEqual(ready.reasons, []);
});

test('a graduate with no kana, roman name, birth date or earlier login recorded gets those claims left out, not sent empty', async (t) => {
  const credentials = { email: 'kanji.only@example.com', password: 'Account2026pw', secondPassword: 'Second2026ac' };
  const accountId = await createGraduate(service.hasher, {
    tenantId: 'test-univ',
    ...credentials,
    name: { kanji: parseName('漢字 太郎', 'name') },
    studentIds: [],
  });
  const { tokens } = await completeLogin(rp, credentials);
  const userinfo = await oidc.fetchUserInfo(rp, tokens.access_token, accountId);
  const absent = ['name#ja-Kana-JP', 'given_name#ja-Kana-JP', 'name#ja-Latn-JP', 'family_name#ja-Latn-JP', 'birthdate', 'gender'];
  for (const [source, claims] of [
    ['ID token', tokens.claims() ?? {}],
    ['userinfo', userinfo],
  ] as const) {
    for (const claim of [...absent, 'previous_login_at']) t.false(claim in claims, `${source}: ${claim}`);
    t.is(claims.name, '漢字 太郎', `${source}: the name that is recorded is sent`);
  }
});

test('the login page tells a graduate to leave the second password empty at the first login, beside the field', async (t) => {
  const { page } = await startLogin(rp);
  t.regex(
    page,
    /id="secondPassword-hint"[^>]*>初回ログイン時（仮パスワードでのログイン時）は、第2パスワードは空欄のまま進みます。/,
  );
  t.regex(page, /id="secondPassword"[^>]*aria-describedby="secondPassword-hint"/s);
});
