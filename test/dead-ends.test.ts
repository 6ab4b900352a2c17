import test from 'ava';
import { createGraduate, parseName } from '../src/admin/accounts.ts';
import { registerClient } from '../src/admin/clients.ts';
import { createTenant } from '../src/admin/tenants.ts';
import { Applicant } from './helpers/applicant.ts';
import { Browser } from './helpers/browser.ts';
import { completeLogin, relyingParty, submitGraduateLogin } from './helpers/relying-party.ts';
import { GRADUATE, REDIRECT_URI, seedUniversity, startTestService, type TestService } from './helpers/service.ts';

// Every mail and button that says "log in" leads to a working login, wherever the university's
// own login page is (or is not) configured.

let service: TestService;

test.before(async () => {
  service = await startTestService('dead-ends', { logLevel: 'silent' });
  await createTenant({ id: 'plain-univ', nameJa: '無設定大学', nameEn: 'Plain University' });
});
test.after.always(() => service?.stop());

test('a graduate following "Log in here" at a university with no login URL of its own reaches a login form and, logged in, the account menu', async (t) => {
  const credentials = { email: 'plain@example.com', password: 'Account2026pw', secondPassword: 'Second2026ac' };
  await createGraduate(service.hasher, {
    tenantId: 'plain-univ',
    ...credentials,
    name: { kanji: parseName('無設 花子', 'name') },
    studentIds: [],
  });
  const browser = new Browser();
  const { url: pageUrl, response } = await browser.follow(`${service.issuer}/t/plain-univ/login`);
  const page = (await response?.text()) ?? '';
  t.regex(new URL(pageUrl).pathname, /^\/interaction\//, 'the login page itself');
  t.regex(page, /name="email"/);
  t.regex(page, /無設定大学/);

  const result = await submitGraduateLogin({ browser, page, pageUrl, verifier: '', state: '', nonce: '' }, credentials);
  t.is(new URL(result.url).pathname, '/t/plain-univ/account');
  t.is(result.status, 200);
  t.regex(result.page, /無設 花子/);
});

test('an applicant who opens the mailed link again after being approved is pointed to login, not to a new application', async (t) => {
  const applicant = new Applicant(service, 'plain-univ');
  await applicant.requestMail('approved.later@example.com');
  const url = await applicant.mailedUrl('approved.later@example.com');
  await applicant.agree(url); // the link is used
  await createGraduate(service.hasher, {
    tenantId: 'plain-univ',
    email: 'approved.later@example.com',
    password: 'Account2026pw',
    secondPassword: 'Second2026ac',
    name: { kanji: parseName('承認 済子', 'name') },
    studentIds: [],
  });
  const again = await applicant.browser.page(url);
  t.is(again.status, 410);
  t.regex(again.html, /このメールアドレスは登録済みです/);
  t.regex(again.html, /href="http:\/\/127\.0\.0\.1:\d+\/t\/plain-univ\/login"/);
  t.notRegex(again.html, /最初からやり直/);
});

test('the mail address setting and the additional student ID form offer Back, as the manuals show, and every page names its icon', async (t) => {
  const browser = new Browser();
  const setting = await browser.page(`${service.issuer}/t/plain-univ/apply`);
  t.regex(setting.html, /<a class="button" href="\/t\/plain-univ\/login">戻る<\/a>/);
  t.regex(setting.html, /<link rel="icon" href="\/static\/favicon.svg"/);
  const icon = await fetch(`${service.issuer}/favicon.ico`);
  t.is(icon.headers.get('content-type'), 'image/svg+xml');
  t.regex(await icon.text(), /^<svg /);
});

test('every account page leads back to the relying party the person came from, or else to the certificate service', async (t) => {
  const university = await seedUniversity(service, 'back-univ');
  const home = 'https://cert.back-univ.example/home';
  const withHome = await registerClient({
    tenantId: 'back-univ',
    name: '証明書発行サービス（本学）',
    redirectUris: [REDIRECT_URI],
    homeUrl: home,
  });
  const rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
  const { browser } = await completeLogin(rp, GRADUATE);
  const base = `${service.issuer}/t/back-univ/account`;

  const fallback = await browser.page(base);
  t.regex(
    fallback.html,
    /<a href="https:\/\/cert\.test-univ\.example\/login">← 証明書発行サービスへ戻る<\/a>/,
    'the university login URL',
  );

  const menu = await browser.page(`${base}?client_id=${withHome.clientId}`);
  t.regex(menu.html, /<a href="https:\/\/cert\.back-univ\.example\/home">← 証明書発行サービス（本学）へ戻る<\/a>/);
  for (const page of ['/email', '/password', '/student-id']) {
    t.regex((await browser.page(`${base}${page}`)).html, /← 証明書発行サービス（本学）へ戻る/, `${page} remembers it`);
  }
  const foreign = await browser.page(`${base}?client_id=${university.client.id}-unknown`);
  t.regex(foreign.html, /← 証明書発行サービス（本学）へ戻る/, 'an unknown client changes nothing');
});

test("the service's own address and an unknown one are pages in the reader's language that say where to start", async (t) => {
  const browser = new Browser({ 'accept-language': 'en' });
  const home = await browser.page(`${service.issuer}/`);
  t.is(home.status, 200);
  t.regex(home.html, /<html lang="en">/);
  t.regex(home.html, /start at the certificate service page of the university/);
  const unknown = await new Browser().page(`${service.issuer}/no-such-page`);
  t.is(unknown.status, 404);
  t.regex(unknown.html, /ページが見つかりません。/);
  t.regex(unknown.html, /ご卒業・ご在学の大学の証明書発行サービスのページからお入りください。/);
  const inUniversity = await new Browser().page(`${service.issuer}/t/plain-univ/no-such-page`);
  t.regex(
    inUniversity.html,
    /<a class="button" href="\/t\/plain-univ\/login">ログイン画面へ<\/a>/,
    "a university's page leads to its login",
  );
  const discovery = await browser.request(`${service.issuer}/.well-known/openid-configuration`);
  t.is(discovery.status, 200, "oidc-provider's own endpoints are untouched");
});

test("a GET at a form's POST-only address (the language switch on a refused form, a login returning there) lands on the form's page", async (t) => {
  const anonymous = new Browser();
  // The language switch first drops its ?lang= (src/http/lang.ts); the address it lands on is then the form's page.
  const switched = await anonymous.request(`${service.issuer}/t/plain-univ/account/passkeys/confirm?lang=en`);
  t.is(switched.headers.get('location'), '/t/plain-univ/account/passkeys/confirm');
  const cases = {
    '/t/plain-univ/account/passkeys/confirm': '/t/plain-univ/account/passkeys',
    '/t/plain-univ/account/passkeys/abc/remove': '/t/plain-univ/account/passkeys',
    '/t/plain-univ/staff/applications/0123456789abcdef01234567/decide':
      '/t/plain-univ/staff/applications/0123456789abcdef01234567',
    '/interaction/some-login/passkey': '/interaction/some-login',
  };
  for (const [from, to] of Object.entries(cases)) {
    const response = await anonymous.request(`${service.issuer}${from}`);
    t.is(response.status, 303, from);
    t.is(response.headers.get('location'), to, from);
  }
  const unknown = await anonymous.request(`${service.issuer}/t/plain-univ/account/nothing/here`);
  t.is(unknown.status, 404, 'an address no form posts to is still not found');
});

test("a login page that expired is still the university's: its name, its inquiry and a way back to its login", async (t) => {
  const browser = new Browser();
  await browser.follow(`${service.issuer}/t/plain-univ/login`);
  const expired = await browser.page(`${service.issuer}/interaction/long-gone`);
  t.is(expired.status, 400);
  t.regex(expired.html, /ログイン画面の有効期限が切れました。/);
  t.regex(expired.html, /無設定大学/);
  t.regex(expired.html, /<a class="button" href="\/t\/plain-univ\/login">ログイン画面へ<\/a>/);
});
