import test from 'ava';
import * as oidc from 'openid-client';
import { addFederation, trustFederation } from '../../src/admin/federations.ts';
import type { SamlTestUser, SimpleSamlPhp } from '../../src/dev/simplesamlphp.ts';
import { createLogger } from '../../src/log.ts';
import { refreshFederation } from '../../src/saml/federation/refresh.ts';
import {
  asEntity,
  CATEGORY,
  keyPair,
  memberIdps,
  signedAggregate,
  startFederationServer,
  startMemberIdp,
} from '../helpers/federation.ts';
import { browserSuite, Journey, newContext, type Viewport } from '../helpers/real-browser.ts';

const students: SamlTestUser[] = (['ja', 'en'] as const).map((lang) => ({
  username: `fed-${lang}`,
  password: `campus-${lang}`,
  attributes: {
    uid: [`fed-${lang}`],
    studentNumber: [`F${lang.toUpperCase()}00001`],
    eduPersonPrincipalName: [`fed-${lang}@test-univ.example`],
    jasn: ['山田'],
    jaGivenName: ['花子'],
    sn: ['Yamada'],
    givenName: ['Hanako'],
    eduPersonAffiliation: ['student'],
  },
}));

const suite = browserSuite('browser-federation', { tenant: { loginMethods: { graduate: true, student: true } } });
let ssp: SimpleSamlPhp;
let server: Awaited<ReturnType<typeof startFederationServer>>;

test.before(async () => {
  ssp = await startMemberIdp(students);
  server = await startFederationServer();
  const [federation, idp] = await Promise.all([keyPair('federation'), keyPair('idp')]);
  const campus = asEntity(await (await fetch(ssp.metadataUrl)).text());
  server.publish(signedAggregate([campus, ...memberIdps(40, idp.certificate)], federation));
  await addFederation({ id: 'gakunin', source: server.url, certificates: [federation.certificate] });
  await refreshFederation('gakunin', { memoryMb: 384, logger: createLogger('silent'), force: true });
  await suite.ready;
  await trustFederation({ tenantId: 'test-univ', federationId: 'gakunin', all: true, entityAttributes: [CATEGORY] });
  ssp.registerSp('test-univ', await (await fetch(`${suite.service.issuer}/t/test-univ/saml/metadata`)).text());
});

test.after.always(async () => {
  await server?.stop();
  await ssp?.stop();
});

const cases: Array<[lang: 'ja' | 'en', viewport: Viewport]> = [
  ['ja', 'phone'],
  ['en', 'desktop'],
];
for (const [lang, viewport] of cases) {
  test.serial(
    `a student searches for the university among 41, signs in there, and finds it remembered next time (${lang}, ${viewport})`,
    async (t) => {
      const context = await newContext(suite.browser, viewport, lang);
      const page = await context.newPage();
      const journey = new Journey(page, 'federation-discovery', lang, viewport, { allRules: true });
      const authorize = oidc.buildAuthorizationUrl(suite.rp, { redirect_uri: suite.landing.callback, scope: 'openid' }).href;
      await page.goto(authorize);
      await journey.screen('login-with-search');
      t.is(await page.locator('.student-login .idp-list').count(), 0, 'no list of 41 buttons on the login page');

      await page.fill('#idp-q', lang === 'ja' ? 'テスト' : 'test university');
      await Promise.all([page.waitForURL(/\/saml\?q=/), page.press('#idp-q', 'Enter')]);
      await journey.screen('discovery-results');
      const results = page.locator('main .idp-list a');
      t.is(await results.count(), 1);
      t.is((await results.first().textContent())?.trim(), lang === 'ja' ? 'テスト大学' : 'Test University');

      await Promise.all([page.waitForURL(/localhost:\d+\/module\.php/), results.first().click()]);
      const student = students.find((s) => s.username === `fed-${lang}`) as SamlTestUser;
      await page.fill('input[name=username]', student.username);
      await page.fill('input[name=password]', student.password);
      await Promise.all([page.waitForURL(/\/interaction\/[^/]+\/continue/), page.press('input[name=password]', 'Enter')]);
      t.is(await page.textContent('h1'), lang === 'ja' ? 'メールアドレス設定' : 'Mail address setting');

      await page.goto(authorize);
      const remembered = page.locator('.remembered-idp a.button');
      t.is((await remembered.textContent())?.trim(), lang === 'ja' ? 'テスト大学' : 'Test University');
      await journey.screen('login-remembered');
      t.deepEqual(journey.violations, [], 'no serious accessibility violation on our pages');
      await context.close();
    },
  );
}
