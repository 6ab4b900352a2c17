import test from 'ava';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { registerClient } from '../src/admin/clients.ts';
import { Browser, inputValue } from './helpers/browser.ts';
import {
  completeLogin,
  relyingParty,
  startBackchannelReceiver,
  startLogin,
  submitGraduateLogin,
} from './helpers/relying-party.ts';
import { GRADUATE, REDIRECT_URI, seedUniversity, startTestService, type TestService } from './helpers/service.ts';

let service: TestService;
let university: Awaited<ReturnType<typeof seedUniversity>>;
let first: oidc.Configuration;
let second: oidc.Configuration;
let thirdParty: oidc.Configuration;
let backchannel: Awaited<ReturnType<typeof startBackchannelReceiver>>;

test.before(async () => {
  service = await startTestService('relying-parties');
  university = await seedUniversity(service);
  backchannel = await startBackchannelReceiver();
  const other = await registerClient({
    tenantId: 'test-univ',
    name: 'Library system',
    redirectUris: [REDIRECT_URI],
    backchannelLogoutUri: backchannel.url,
  });
  const outside = await registerClient({
    tenantId: 'test-univ',
    name: 'Alumni magazine',
    thirdParty: true,
    redirectUris: [REDIRECT_URI],
  });
  first = await relyingParty(service.issuer, university.client.id, university.client.secret);
  second = await relyingParty(service.issuer, other.clientId, other.clientSecret);
  thirdParty = await relyingParty(service.issuer, outside.clientId, outside.clientSecret);
});
test.after.always(async () => {
  await backchannel?.close();
  await service?.stop();
});

async function exchange(rp: oidc.Configuration, login: Awaited<ReturnType<typeof startLogin>>, url: string) {
  return oidc.authorizationCodeGrant(rp, new URL(url), {
    pkceCodeVerifier: login.verifier,
    expectedState: login.state,
    expectedNonce: login.nonce,
  });
}

test('after one login, a second relying party of the university gets in without asking again', async (t) => {
  const { browser } = await completeLogin(first, GRADUATE);
  const login = await startLogin(second, {}, browser);
  t.true(login.pageUrl.startsWith(REDIRECT_URI), 'no login page');
  const tokens = await exchange(second, login, login.pageUrl);
  t.is(tokens.claims()?.email, GRADUATE.email);
});

test('prompt=login and max_age=0 make the graduate log in again', async (t) => {
  const { browser } = await completeLogin(first, GRADUATE);
  const forced = await startLogin(second, { prompt: 'login' }, browser);
  t.regex(forced.pageUrl, /\/interaction\//);
  const result = await submitGraduateLogin(forced, GRADUATE);
  t.true(result.url.startsWith(REDIRECT_URI));
  const aged = await startLogin(second, { max_age: '0' }, browser);
  t.regex(aged.pageUrl, /\/interaction\//);
});

test('claims follow the scopes a relying party asks for', async (t) => {
  const narrow = (await completeLogin(first, GRADUATE, { scope: 'openid email' })).tokens.claims();
  t.is(narrow?.email, GRADUATE.email);
  t.is(narrow?.student_ids, undefined);
  t.is(narrow?.name, undefined);
  const wide = (await completeLogin(first, GRADUATE, { scope: 'openid profile university' })).tokens.claims();
  t.is(wide?.email, undefined);
  t.is(wide?.['given_name#ja-Kana-JP'], 'ハナコ');
  t.is(((wide?.student_ids ?? []) as unknown[]).length, 1);
  t.is(wide?.account_kind, 'graduate');
});

test('a third-party client is shown what it asks for, and gets it only when the graduate allows', async (t) => {
  const login = await startLogin(thirdParty);
  const consent = await submitGraduateLogin(login, GRADUATE);
  t.regex(consent.page, /情報提供の確認/);
  t.regex(consent.page, /「Alumni magazine」が次の情報の提供を求めています/);
  t.regex(consent.page, /学籍番号の一覧/);
  const allowed = await login.browser.postForm(
    `${new URL(consent.url).origin}${new URL(consent.url).pathname}/confirm`,
    { _csrf: inputValue(consent.page, '_csrf') },
    REDIRECT_URI,
  );
  const tokens = await exchange(thirdParty, login, allowed.url);
  t.is(tokens.claims()?.email, GRADUATE.email);
  const again = await startLogin(thirdParty, {}, login.browser);
  t.true(again.pageUrl.startsWith(REDIRECT_URI), 'consent is remembered');
});

test('a graduate who refuses a third-party client sends it back with access_denied', async (t) => {
  const login = await startLogin(thirdParty);
  const consent = await submitGraduateLogin(login, GRADUATE);
  const denied = await login.browser.postForm(
    `${new URL(consent.url).origin}${new URL(consent.url).pathname}/abort`,
    { _csrf: inputValue(consent.page, '_csrf') },
    REDIRECT_URI,
  );
  t.is(new URL(denied.url).searchParams.get('error'), 'access_denied');
});

test('acr_values that no login here can satisfy are refused with the standard error; ours are honoured', async (t) => {
  const refused = await startLogin(first, { acr_values: 'urn:example:hardware-token' });
  t.true(refused.pageUrl.startsWith(REDIRECT_URI));
  t.is(new URL(refused.pageUrl).searchParams.get('error'), 'unmet_authentication_requirements');
  const ok = await completeLogin(first, GRADUATE, { acr_values: 'urn:cert-idp:acr:password+second-password' });
  t.is(ok.tokens.claims()?.acr, 'urn:cert-idp:acr:password+second-password');
});

test('logging out at one relying party tells the others of the session over the back channel', async (t) => {
  const { tokens, browser } = await completeLogin(first, GRADUATE);
  const other = await startLogin(second, {}, browser);
  const sid = (await exchange(second, other, other.pageUrl)).claims()?.sid;
  t.truthy(sid, 'a client with back-channel logout gets the session id');
  const logout = oidc.buildEndSessionUrl(first, {
    id_token_hint: tokens.id_token as string,
    post_logout_redirect_uri: 'http://127.0.0.1:9999/',
  });
  const confirm = await browser.get(logout.href);
  const html = (await confirm.response?.text()) ?? '';
  const action = html.match(/<form id="op\.logoutForm"[^>]*action="([^"]+)"/)?.[1] as string;
  const count = backchannel.logoutTokens.length;
  await browser.postForm(
    new URL(action, confirm.url).href,
    { xsrf: inputValue(html, 'xsrf'), logout: 'yes' },
    'http://127.0.0.1:9999/',
  );
  for (let i = 0; i < 100 && backchannel.logoutTokens.length === count; i++) await new Promise((r) => setTimeout(r, 20));
  const token = backchannel.logoutTokens.at(-1) as string;
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${service.issuer}/jwks`)), { issuer: service.issuer });
  t.truthy((payload.events as Record<string, unknown>)['http://schemas.openid.net/event/backchannel-logout']);
  t.is(payload.sub, university.accountId);
  t.is(payload.sid, sid);
  t.regex((await startLogin(second, {}, browser)).pageUrl, /\/interaction\//, 'the session is gone for every client');
});

test('a browser with no session is not let through silently', async (t) => {
  const login = await startLogin(second, { prompt: 'none' }, new Browser());
  t.is(new URL(login.pageUrl).searchParams.get('error'), 'login_required');
});
