import test from 'ava';
import * as oidc from 'openid-client';
import { setDisabled } from '../src/db/identities.ts';
import { completeLogin, relyingParty } from './helpers/relying-party.ts';
import {
  addGraduate,
  type SecondInstance,
  seedUniversity,
  startSecondInstance,
  startTestService,
  type TestService,
} from './helpers/service.ts';

// X4: several instances behind one address agree at once (docs/protocol-state.md): sessions, grants and
// tokens live in the shared protocol store, and an account changed in one process is dropped from
// every other process's cache by a message on the store before the change returns. The first
// instance runs in this process, the second is a process of its own (src/main.ts).

let first: TestService;
let second: SecondInstance;
let university: Awaited<ReturnType<typeof seedUniversity>>;
let seq = 0;

test.before(async () => {
  first = await startTestService('two-instances');
  university = await seedUniversity(first);
  second = await startSecondInstance(first);
});

test.after.always(async () => {
  second?.stop();
  await first?.stop();
});

const onSecond = (path: string) => `${second.url}${path}`;
const basic = () => `Basic ${Buffer.from(`${university.client.id}:${university.client.secret}`).toString('base64')}`;
const userinfoAt = (base: string, accessToken: string) =>
  fetch(`${base}/me`, { headers: { authorization: `Bearer ${accessToken}` } }).then((r) => r.status);

async function loggedIn() {
  const credentials = await addGraduate(first, `two-${++seq}@example.com`);
  const rp = await relyingParty(first.issuer, university.client.id, university.client.secret);
  const login = await completeLogin(rp, credentials);
  return { ...login, rp, credentials };
}

test('a token revoked on one instance is refused by the other on the very next call', async (t) => {
  const { tokens } = await loggedIn();
  t.is(await userinfoAt(second.url, tokens.access_token), 200, 'the second instance accepts what the first issued');
  t.is(await userinfoAt(first.issuer, tokens.access_token), 200);
  const revoked = await fetch(onSecond('/token/revocation'), {
    method: 'POST',
    headers: { authorization: basic(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: tokens.access_token, token_type_hint: 'access_token' }),
  });
  t.is(revoked.status, 200);
  t.is(await userinfoAt(first.issuer, tokens.access_token), 401);
});

test("a public client's refresh token, rotated on one instance, cannot be used again on the other", async (t) => {
  const credentials = await addGraduate(first, `two-${++seq}@example.com`);
  const rp = await relyingParty(first.issuer, university.publicClient.id);
  const { tokens } = await completeLogin(rp, credentials);
  const viaSecond = await relyingParty(first.issuer, university.publicClient.id, undefined, second.url);
  const rotated = await oidc.refreshTokenGrant(viaSecond, tokens.refresh_token as string);
  t.truthy(rotated.access_token);
  const reused = await t.throwsAsync<Error & { error?: string }>(oidc.refreshTokenGrant(rp, tokens.refresh_token as string));
  t.is(reused?.error, 'invalid_grant');
});

test("a graduate's password changed through one instance ends the other sessions on every instance at once", async (t) => {
  const { browser, credentials } = await loggedIn();
  const rp = await relyingParty(first.issuer, university.client.id, university.client.secret);
  const other = await completeLogin(rp, credentials);
  t.is(await userinfoAt(first.issuer, other.tokens.access_token), 200);
  // Cookies belong to the host, not the port: the same browser is signed in on both instances.
  const page = onSecond('/t/test-univ/account/password');
  const form = await browser.page(page);
  const changed = await browser.submit(page, form, {
    current: credentials.password,
    next: 'Changed2026pw',
    confirm: 'Changed2026pw',
  });
  t.regex(changed.html, /パスワードを変更しました|password has been changed/i);
  t.is(await userinfoAt(first.issuer, other.tokens.access_token), 401, "the other session's token stopped at once");
  const menu = await other.browser.page(`${first.issuer}/t/test-univ/account`);
  t.regex(menu.url, /\/interaction\//, 'the other browser has to log in again');
});

test('an account disabled through one instance is refused by the other, whose cache held it, on the very next call', async (t) => {
  const { tokens } = await loggedIn();
  const accountId = JSON.parse(Buffer.from(tokens.id_token?.split('.')[1] ?? '', 'base64url').toString()).sub as string;
  t.is(await userinfoAt(second.url, tokens.access_token), 200, 'the second instance now holds the account in its cache');
  t.is(await userinfoAt(second.url, tokens.access_token), 200);
  t.true(await setDisabled('test-univ', accountId, 'left the university'));
  t.is(await userinfoAt(second.url, tokens.access_token), 401);
  t.true(await setDisabled('test-univ', accountId, undefined));
  t.is(await userinfoAt(second.url, tokens.access_token), 200, 'enabled again: served again at once');
});
