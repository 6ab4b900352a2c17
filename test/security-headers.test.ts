import test, { type ExecutionContext } from 'ava';
import { completeLogin, relyingParty, startLogin } from './helpers/relying-party.ts';
import { GRADUATE, seedUniversity, startTestService, type TestService } from './helpers/service.ts';

let service: TestService;
let clientId: string;
let rp: Awaited<ReturnType<typeof relyingParty>>;
let loginPage: { url: string; headers: Headers; html: string };

test.before(async () => {
  service = await startTestService('security-headers', { trustProxy: true });
  const university = await seedUniversity(service);
  clientId = university.client.id;
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
  const login = await startLogin(rp);
  const response = await login.browser.request(login.pageUrl);
  loginPage = { url: login.pageUrl, headers: response.headers, html: await response.text() };
});
test.after.always(() => service?.stop());

test('the login page cannot be framed, runs no inline script and sends no Referer', (t) => {
  const csp = loginPage.headers.get('content-security-policy') ?? '';
  t.regex(csp, /frame-ancestors 'none'/);
  t.regex(csp, /script-src 'self'(;|$)/);
  t.notRegex(csp, /unsafe-inline/);
  t.is(loginPage.headers.get('referrer-policy'), 'no-referrer');
  t.is(loginPage.headers.get('x-content-type-options'), 'nosniff');
  t.is(loginPage.headers.get('x-frame-options'), 'SAMEORIGIN');
  t.notRegex(loginPage.html, /<script(?![^>]*\ssrc=)[^>]*>/, 'every script is a file');
});

for (const path of ['/t/test-univ/apply', '/t/test-univ/staff/login', '/t/test-univ/password-reset']) {
  test(`${path} carries the same protections`, async (t) => {
    const response = await fetch(`${service.issuer}${path}`);
    t.regex(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    t.is(response.headers.get('referrer-policy'), 'no-referrer');
    t.notRegex(await response.text(), /<script(?![^>]*\ssrc=)[^>]*>/);
  });
}

test('HSTS is sent only when the request came over TLS (through the trusted proxy)', async (t) => {
  const plain = await fetch(`${service.issuer}/t/test-univ/apply`);
  t.is(plain.headers.get('strict-transport-security'), null);
  const tls = await fetch(`${service.issuer}/t/test-univ/apply`, { headers: { 'x-forwarded-proto': 'https' } });
  t.regex(tls.headers.get('strict-transport-security') ?? '', /max-age=31536000/);
  t.regex(tls.headers.get('set-cookie') ?? '', /;\s*secure/i, 'cookies are Secure behind TLS');
});

/** The protections every page carries, whoever renders it. */
function assertProtected(t: ExecutionContext, headers: Headers, html: string) {
  t.regex(headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  t.is(headers.get('referrer-policy'), 'no-referrer');
  t.is(headers.get('x-content-type-options'), 'nosniff');
  t.notRegex(html, /<script(?![^>]*\ssrc=)[^>]*>/);
}

test("oidc-provider's own pages (an authorization error, the logout confirmation, logged out) carry the same protections and the university's name", async (t) => {
  const badRedirect = new URL(`${service.issuer}/auth`);
  badRedirect.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: 'https://attacker.example/cb',
    response_type: 'code',
    scope: 'openid',
  }).toString();
  const { browser } = await completeLogin(rp, GRADUATE);
  const pages = {
    'an authorization error': await fetch(badRedirect),
    'the logout confirmation': await browser.request(`${service.issuer}/session/end?client_id=${clientId}`),
    'logged out': await fetch(`${service.issuer}/session/end/success?client_id=${clientId}`),
  };
  for (const [what, response] of Object.entries(pages)) {
    const html = await response.text();
    assertProtected(t, response.headers, html);
    t.regex(html, /テスト大学/, `${what}: the university's name`);
    t.regex(html, /テスト大学 教務課/, `${what}: the inquiry contact`);
  }
  t.is(pages['an authorization error'].status, 400);
});

test("oidc-provider's self-submitting logout page (no session to confirm) cannot be framed and runs only its own hashed script", async (t) => {
  const response = await fetch(`${service.issuer}/session/end?client_id=${clientId}`);
  const csp = response.headers.get('content-security-policy') ?? '';
  t.regex(csp, /frame-ancestors 'none'/);
  t.regex(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
  t.notRegex(csp, /unsafe-inline/);
  t.is(response.headers.get('referrer-policy'), 'no-referrer');
});

test("oidc-provider's pages follow the person's language", async (t) => {
  const response = await fetch(`${service.issuer}/session/end/success?client_id=${clientId}`, {
    headers: { 'accept-language': 'en' },
  });
  const html = await response.text();
  t.regex(html, /<html lang="en">/);
  t.regex(html, /Test University/);
});
