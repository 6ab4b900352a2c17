import test from 'ava';
import * as oidc from 'openid-client';
import { commandsOf, storeCommandsOf } from '../bench/commands.ts';
import { Browser } from './helpers/browser.ts';
import { completeLogin, relyingParty } from './helpers/relying-party.ts';
import { GRADUATE, seedUniversity, startTestService, type TestService } from './helpers/service.ts';

// How many database and protocol store commands one login, refresh and userinfo cost (each a round
// trip and work for the server): caches for what rarely changes, protocol records by key in the
// store (src/oidc/records.ts), and indexed single lookups keep them low. Counted, not timed.
// Background work (the mail worker, the change-stamp poll) is slowed down so that only the
// person's requests are counted.

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

test('a graduate login takes only a few database commands, and a refresh or userinfo call none, only store reads by key', async (t) => {
  const university = await seedUniversity(service);
  const rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
  const earlier = await completeLogin(rp, GRADUATE);
  let tokens = (await completeLogin(rp, GRADUATE)).tokens;
  // A person back in their own browser after the session ended: it is known there (no new-browser
  // notice, which the SMTP server takes before the answer without a database command either:
  // src/mail/notices.ts), nothing else is carried over.
  const returning = new Browser();
  for (const cookie of await earlier.browser.jar.getCookies(service.issuer)) {
    if (cookie.key.startsWith('seen_accounts')) await returning.jar.setCookie(cookie, service.issuer);
  }

  let loginStore: string[] = [];
  const login = await commandsOf(async () => {
    loginStore = await storeCommandsOf(async () => {
      tokens = (await completeLogin(rp, GRADUATE, {}, returning)).tokens;
    });
  });
  // Three: the account, its audit entry, the login time (one more allowed for a background poll).
  t.true(login.length <= 4, `login: ${login.length} database commands\n${login.join('\n')}`);
  const notices = () => service.smtp.messages.filter((m) => /新しい端末/.test(m.subject ?? '')).length;
  const noticesBefore = notices();
  const fromNewBrowser = await commandsOf(() => completeLogin(rp, GRADUATE));
  t.true(fromNewBrowser.length <= 4, `login from a new browser: ${fromNewBrowser.join(', ')}`);
  t.false(fromNewBrowser.includes('insert mail_outbox'), 'the new-browser notice is not written to the outbox');
  t.is(notices(), noticesBefore + 1, 'the SMTP server had the notice before the login answered');
  t.true(
    loginStore.every((c) => !c.startsWith('keys') && !c.startsWith('scan')),
    'the protocol store is only ever asked by key',
  );

  let refreshStore: string[] = [];
  const refresh = await commandsOf(async () => {
    refreshStore = await storeCommandsOf(async () => {
      tokens = await oidc.refreshTokenGrant(rp, tokens.refresh_token as string);
    });
  });
  t.deepEqual(refresh, [], 'a refresh needs no database command: the account comes from the cache');
  const refreshReads = refreshStore.filter((c) => /^(hgetall|get) /.test(c));
  t.true(refreshReads.length <= 4, `refresh: ${refreshReads.length} store reads\n${refreshStore.join('\n')}`);

  let userinfoStore: string[] = [];
  const userinfo = await commandsOf(async () => {
    userinfoStore = await storeCommandsOf(() => oidc.fetchUserInfo(rp, tokens.access_token, university.accountId));
  });
  t.deepEqual(userinfo, [], 'userinfo needs no database command');
  t.true(
    userinfoStore.length <= 4 && userinfoStore.every((c) => /^(hgetall|get) /.test(c)),
    `userinfo: only a few store reads\n${userinfoStore.join('\n')}`,
  );
  t.false(
    [...login, ...refresh, ...userinfo].some((c) => /tenants|clients/.test(c)),
    'universities and relying parties come from the cache',
  );
});
