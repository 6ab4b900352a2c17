import test from 'ava';
import { relyingParty, startLogin } from './helpers/relying-party.ts';
import { seedUniversity, startTestService, type TestService } from './helpers/service.ts';

let service: TestService;
let loginPage: { url: string; headers: Headers; html: string };

test.before(async () => {
  service = await startTestService('security-headers', { trustProxy: true });
  const university = await seedUniversity(service);
  const rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
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
