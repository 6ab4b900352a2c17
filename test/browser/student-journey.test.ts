import test from 'ava';
import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';
import type { SamlTestUser } from '../../src/dev/simplesamlphp.ts';
import { browserSuite, Journey, newContext, VIEWPORTS, type Viewport } from '../helpers/real-browser.ts';
import { recipients } from '../helpers/smtp-sink.ts';

/** One student per journey: each is a first login (S2 and S3 of manuals 002-004). */
const students: SamlTestUser[] = ['ja', 'en'].flatMap((lang) =>
  Object.keys(VIEWPORTS).map((viewport, i) => ({
    username: `s-${lang}-${viewport}`,
    password: `campus-${lang}-${viewport}`,
    attributes: {
      uid: [`s-${lang}-${viewport}`],
      studentNumber: [`${lang.toUpperCase()}${i}000001`],
      jasn: ['山田'],
      jaGivenName: ['花子'],
      sn: ['Yamada'],
      givenName: ['Hanako'],
      eduPersonAffiliation: ['student'],
    },
  })),
);

const suite = browserSuite('browser-student', { saml: { students, secondPassword: true } });

async function switchLanguage(page: Page, lang: 'ja' | 'en') {
  await page.selectOption('#lang-select', lang);
  await page.waitForFunction((wanted) => document.documentElement.lang === wanted, lang);
  await page.waitForLoadState('load');
}

async function submit(page: Page) {
  await Promise.all([page.waitForLoadState('load'), page.click('main form[method="post"] button.primary >> nth=-1')]);
}

for (const lang of ['ja', 'en'] as const) {
  for (const viewport of Object.keys(VIEWPORTS) as Viewport[]) {
    test.serial(
      `a student signs in at the university, registers a mail address and sets a second password at the first login (${lang}, ${viewport})`,
      async (t) => {
        const student = students.find((s) => s.username === `s-${lang}-${viewport}`) as SamlTestUser;
        const address = `${student.username}@example.com`;
        // The browser starts in the other language; the pull-down switches it (login page for English,
        // the mail address setting screen for Japanese) and every later screen and mail follows.
        const other = lang === 'ja' ? 'en' : 'ja';
        const context = await newContext(suite.browser, viewport, other);
        const page = await context.newPage();
        const journey = new Journey(page, 'student-login', lang, viewport);

        await page.goto(oidc.buildAuthorizationUrl(suite.rp, { redirect_uri: suite.landing.callback, scope: 'openid' }).href);
        t.is(await page.getAttribute('html', 'lang'), other);
        if (lang === 'en') await switchLanguage(page, 'en');
        await journey.screen('login');
        t.is(await page.getAttribute('html', 'lang'), lang === 'en' ? 'en' : other);

        await Promise.all([page.waitForURL(/localhost:\d+\/module\.php/), page.click('.student-login a.button')]);
        await journey.screen('university-sign-in', { external: true });
        await page.fill('input[name=username]', student.username);
        await page.fill('input[name=password]', student.password);
        await Promise.all([page.waitForURL(/\/interaction\/[^/]+\/continue/), page.press('input[name=password]', 'Enter')]);
        if (lang === 'ja') await switchLanguage(page, 'ja');
        t.is(
          await page.getAttribute('html', 'lang'),
          lang,
          'the language survived the round trip through the university sign-in',
        );
        t.is(await page.textContent('h1'), lang === 'ja' ? 'メールアドレス設定' : 'Mail address setting');
        await journey.screen('mail-address-setting');

        await page.fill('#email', address);
        await page.fill('#emailConfirm', `x${address}`);
        await submit(page);
        t.is(await page.locator('.field-error').count(), 1, 'the mismatch is shown next to the field');
        await journey.screen('mail-address-mismatch');
        await page.fill('#emailConfirm', address);
        const before = suite.service.smtp.messages.length;
        await submit(page);
        await journey.screen('confirmation-mail-sent');
        // Issue 28 item 4: the university's page, with the way on for a mail opened on another device.
        t.regex((await page.textContent('header')) ?? '', /大学|University/);
        t.regex((await page.getAttribute('main a.button', 'href')) ?? '', /\/interaction\/[^/]+\/continue\?t=/);

        const mail = await suite.service.smtp.waitFor(
          (m) => suite.service.smtp.messages.indexOf(m) >= before && recipients(m) === address,
        );
        t.regex(
          mail.subject ?? '',
          lang === 'ja' ? /メールアドレス設定/ : /Mail address setting/,
          'the mail follows the language',
        );
        const url = (mail.text ?? '').match(/http\S+\/student-mail\/\S+/)?.[0] as string;
        await page.goto(url);
        await journey.screen('mail-link');
        await submit(page);
        await journey.screen('mail-address-setting-complete');

        await Promise.all([page.waitForURL(/\/continue(\?|$)/), page.click('main a.button.primary')]);
        t.is(await page.getAttribute('html', 'lang'), lang);
        await journey.screen('second-password-setting');
        await page.fill('#secondPassword', 'Campus2026Second');
        await page.fill('#secondPasswordConfirm', 'Campus2026Second');
        await submit(page);
        await journey.screen('second-password-set');
        await Promise.all([
          page.waitForURL((u) => u.href.startsWith(suite.landing.callback)),
          page.click('main a.button.primary'),
        ]);
        t.true(page.url().startsWith(suite.landing.callback), 'the relying party has the login');

        await page.goto(`${suite.service.issuer}/t/test-univ/account`);
        await journey.screen('account-menu');
        t.regex((await page.textContent('main')) ?? '', lang === 'ja' ? /第2パスワード変更/ : /second password/i);
        t.deepEqual(journey.violations, [], 'no serious or critical accessibility violation');
        await context.close();
      },
    );
  }
}
