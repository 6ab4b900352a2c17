import test from 'ava';
import * as oidc from 'openid-client';
import { commandsOf } from '../bench/commands.ts';
import { Browser } from './helpers/browser.ts';
import { completeLogin, relyingParty } from './helpers/relying-party.ts';
import { GRADUATE, seedUniversity, startTestService, type TestService } from './helpers/service.ts';

// How many database commands one login, refresh and userinfo cost (each a round trip to the
// database and work for it): caches for what rarely changes, one batched write per request, and
// indexed single lookups keep them low. Counted, not timed. Background work (the mail worker, the
// change-stamp poll) is slowed down so that only the person's requests are counted.

let service: TestService;

test.before(async () => {
  service = await startTestService('round-trips', {
    logLevel: 'silent',
    mail: { pollIntervalMs: 600_000 },
    changePollMs: 600_000,
  });
});

test.after.always(async () => {
  await service?.stop();
});

test('a graduate login, a refresh and a userinfo call each take only a few database commands', async (t) => {
  const university = await seedUniversity(service);
  const rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
  const earlier = await completeLogin(rp, GRADUATE);
  let tokens = (await completeLogin(rp, GRADUATE)).tokens;
  // A person back in their own browser after the session ended: it is known there (no new-browser
  // mail; that login writes one mail more, src/mail/notices.ts), nothing else is carried over.
  const returning = new Browser();
  for (const cookie of await earlier.browser.jar.getCookies(service.issuer)) {
    if (cookie.key.startsWith('seen_accounts')) await returning.jar.setCookie(cookie, service.issuer);
  }

  const login = await commandsOf(async () => {
    tokens = (await completeLogin(rp, GRADUATE, {}, returning)).tokens;
  });
  t.true(login.length <= 14, `login: ${login.length} commands\n${login.join('\n')}`);
  t.is(login.filter((c) => c === 'update oidc_records').length, 4, 'one write per request that changes oidc records');

  const refresh = await commandsOf(async () => {
    tokens = await oidc.refreshTokenGrant(rp, tokens.refresh_token as string);
  });
  t.true(refresh.length <= 3, `refresh: ${refresh.length} commands\n${refresh.join('\n')}`);

  const userinfo = await commandsOf(() => oidc.fetchUserInfo(rp, tokens.access_token, university.accountId));
  t.true(userinfo.length <= 2, `userinfo: ${userinfo.length} commands\n${userinfo.join('\n')}`);
  t.false(
    [...login, ...refresh, ...userinfo].some((c) => /tenants|clients/.test(c)),
    'universities and relying parties come from the cache',
  );
});
