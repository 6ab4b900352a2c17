import test from 'ava';
import * as oidc from 'openid-client';
import { registerClient } from '../src/admin/clients.ts';
import { AuditModel } from '../src/db/models/audit.ts';
import { inputValue } from './helpers/browser.ts';
import {
  completeLogin,
  relyingParty,
  startBackchannelReceiver,
  startLogin,
  submitGraduateLogin,
} from './helpers/relying-party.ts';
import { addGraduate, REDIRECT_URI, seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { eventually } from './helpers/wait.ts';

// Issue 23, item 6: ending a signed-in device ends its session-bound tokens, keeps offline ones, and tells its relying parties.
let service: TestService;
let library: oidc.Configuration;
let backchannel: Awaited<ReturnType<typeof startBackchannelReceiver>>;

test.before(async () => {
  service = await startTestService('devices');
  await seedUniversity(service);
  backchannel = await startBackchannelReceiver();
  const client = await registerClient({
    tenantId: 'test-univ',
    name: 'Library system',
    redirectUris: [REDIRECT_URI],
    backchannelLogoutUri: backchannel.url,
  });
  library = await relyingParty(service.issuer, client.clientId, client.clientSecret);
});
test.after.always(async () => {
  await service?.stop();
  await backchannel?.close();
});

const devices = `/t/test-univ/account/devices`;

/** A login asking for offline access: oidc-provider grants it only with prompt=consent, on the consent page. */
async function offlineLogin(credentials: { email: string; password: string; secondPassword: string }) {
  const login = await startLogin(library, { scope: 'openid offline_access', prompt: 'consent' });
  const consent = await submitGraduateLogin(login, credentials);
  const confirm = `${new URL(consent.url).origin}${new URL(consent.url).pathname}/confirm`;
  const back = await login.browser.postForm(confirm, { _csrf: inputValue(consent.page, '_csrf') }, REDIRECT_URI);
  const tokens = await oidc.authorizationCodeGrant(library, new URL(back.url), {
    pkceCodeVerifier: login.verifier,
    expectedState: login.state,
    expectedNonce: login.nonce,
  });
  return { tokens, browser: login.browser };
}

test('a graduate ends the session of another device: its relying party is told, its session tokens stop, offline ones stay', async (t) => {
  const graduate = await addGraduate(service, 'devices.two@example.com');
  const here = await completeLogin(library, graduate, { scope: 'openid' });
  const there = await completeLogin(library, graduate, { scope: 'openid' });
  const offline = await offlineLogin(graduate);
  t.regex(offline.tokens.scope ?? '', /offline_access/, 'the third browser was given an offline token');

  const page = await here.browser.page(`${service.issuer}${devices}`);
  t.is(page.status, 200);
  t.regex(page.html, /ログイン中の端末/);
  t.is((page.html.match(/<li class="device/g) ?? []).length, 3, 'three signed-in browsers');
  t.is((page.html.match(/class="badge">この端末</g) ?? []).length, 1, 'one of them is this one');
  t.regex(page.html, /Library system/, 'the services each signed in to');

  const sidOf = (login: typeof here) => login.tokens.claims()?.sid as string;
  const before = backchannel.logoutTokens.length;
  await here.browser.submit(`${service.issuer}${devices}/end-others`, page, {});
  const told = await eventually(
    async () =>
      backchannel.logoutTokens
        .slice(before)
        .map((token) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString())),
    (claims) => claims.length >= 2,
  );
  t.deepEqual(
    told.map((claims) => claims.sid).sort(),
    [sidOf(there), sidOf(offline)].sort(),
    'each ended session told with its sid',
  );
  t.false(
    told.some((claims) => claims.sid === sidOf(here)),
    'this device stays signed in',
  );

  const refresh = (login: typeof here) =>
    oidc.refreshTokenGrant(library, login.tokens.refresh_token as string).then(
      () => 'ok',
      () => 'refused',
    );
  t.is(await refresh(there), 'refused', 'a session-bound refresh token ends with its session');
  t.is(await refresh(offline), 'ok', 'an offline refresh token outlives its session');
  t.is(await refresh(here), 'ok', 'this device keeps its tokens');
  const after = await here.browser.page(`${service.issuer}${devices}`);
  t.is((after.html.match(/<li class="device/g) ?? []).length, 1);
  t.truthy(await AuditModel.findOne({ event: 'account.session_ended' }).lean());
});
