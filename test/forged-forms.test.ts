import test from 'ava';
import type * as oidc from 'openid-client';
import { Browser, formAction } from './helpers/browser.ts';
import { relyingParty, startLogin } from './helpers/relying-party.ts';
import { GRADUATE, mailsWritten, REDIRECT_URI, seedUniversity, startTestService, type TestService } from './helpers/service.ts';

let service: TestService;
let rp: oidc.Configuration;

test.before(async () => {
  service = await startTestService('forged-forms');
  const university = await seedUniversity(service);
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
});
test.after.always(() => service?.stop());

const EXPIRED = /画面の有効期限が切れました/;

/** Posts the form of `pageUrl` with a forged CSRF token, as a cross-site page would. */
async function forge(browser: Browser, pageUrl: string, html: string, fields: Record<string, string>) {
  const action = new URL(formAction(html, pageUrl.includes('/interaction/') ? '/login' : ''), pageUrl).href;
  const result = await browser.postForm(action, { ...fields, _csrf: 'forged' }, REDIRECT_URI);
  return { status: result.response?.status, html: (await result.response?.text()) ?? '' };
}

test('a login form posted with a forged token comes back refused, with the address typed and never the passwords', async (t) => {
  const login = await startLogin(rp);
  const result = await forge(login.browser, login.pageUrl, login.page, GRADUATE);
  t.is(result.status, 403);
  t.regex(result.html, EXPIRED);
  t.regex(result.html, new RegExp(`value="${GRADUATE.email}"`), 'the mail address is kept');
  t.false(result.html.includes(GRADUATE.password), 'a password is never sent back');
  t.false(result.html.includes(GRADUATE.secondPassword), 'nor the second password');
});

test('the application, reset and staff sign-in forms refuse a forged token the same way, and nothing is mailed', async (t) => {
  const browser = new Browser();
  const typed = 'typed.before.refusal@example.com';
  for (const path of ['/apply', '/password-reset', '/staff/login']) {
    const url = `${service.issuer}/t/test-univ${path}`;
    const page = await browser.page(url);
    const result = await forge(browser, url, page.html, { email: typed, emailConfirm: typed, password: 'Secret2026x' });
    t.is(result.status, 403, path);
    t.regex(result.html, EXPIRED, path);
    t.regex(result.html, new RegExp(`value="${typed}"`), `${path}: what was typed is kept`);
    t.false(result.html.includes('Secret2026x'), `${path}: a password is never sent back`);
  }
  t.is(await mailsWritten(service, typed), 0, 'no mail was written');
});
