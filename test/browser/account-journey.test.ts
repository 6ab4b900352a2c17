import test from 'ava';
import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';
import { createGraduate, parseName } from '../../src/admin/accounts.ts';
import { browserSuite, Journey, newContext, VIEWPORTS, type Viewport } from '../helpers/real-browser.ts';
import { addGraduate } from '../helpers/service.ts';
import { recipients } from '../helpers/smtp-sink.ts';

const suite = browserSuite('browser-account');

/** The newest mail to `to` whose text has a URL matching `pattern`. */
async function mailedUrl(to: string, pattern: RegExp, after: number): Promise<string> {
  const mail = await suite.service.smtp.waitFor(
    (m) => suite.service.smtp.messages.indexOf(m) >= after && recipients(m) === to && pattern.test(m.text ?? ''),
  );
  return (mail.text ?? '').match(new RegExp(`(http\\S*${pattern.source}\\S*)`))?.[1] as string;
}

async function submit(page: Page, url?: RegExp | ((u: URL) => boolean)) {
  await Promise.all([
    url ? page.waitForURL(url) : page.waitForLoadState('load'),
    page.click('main form[method="post"] button.primary >> nth=-1'),
  ]);
}

for (const lang of ['ja', 'en'] as const) {
  for (const viewport of Object.keys(VIEWPORTS) as Viewport[]) {
    test.serial(
      `a graduate uses every account page, adds a student ID, logs out and recovers a forgotten password (${lang}, ${viewport})`,
      async (t) => {
        const email = `account-${lang}-${viewport}@example.com`;
        await addGraduate(suite.service, email);
        const context = await newContext(suite.browser, viewport, lang);
        const page = await context.newPage();
        const journey = new Journey(page, 'account-pages', lang, viewport);
        const account = `${suite.service.issuer}/t/test-univ/account`;

        await page.goto(
          oidc.buildAuthorizationUrl(suite.rp, { redirect_uri: suite.landing.callback, scope: 'openid', ui_locales: lang }).href,
        );
        await journey.screen('login');
        await page.fill('#email', email);
        await page.fill('#password', 'Account2026pw');
        await page.fill('#secondPassword', 'Second2026ac');
        await submit(page, (u) => u.href.startsWith(suite.landing.callback));

        await page.goto(account);
        await journey.screen('account-menu');
        t.regex((await page.textContent('.previous-login')) ?? '', lang === 'ja' ? /前回ログイン日時/ : /previous login/);

        await page.goto(`${account}/personal`);
        await journey.screen('personal-setting');
        await page.fill('#city', '大阪市北区');
        await submit(page);
        await journey.screen('personal-confirmation');
        await submit(page);
        await journey.screen('personal-changed');

        for (const [path, current, next] of [
          ['password', 'Account2026pw', 'Newer2026pw'],
          ['second-password', 'Second2026ac', 'Second2026nw'],
        ] as const) {
          await page.goto(`${account}/${path}`);
          await journey.screen(`change-${path}`);
          await page.fill('#current', current);
          await page.fill('#next', next);
          await page.fill('#confirm', next);
          await submit(page);
          await journey.screen(`${path}-changed`);
          t.is(await page.locator('.field-error').count(), 0);
        }

        const newAddress = `moved-${email}`;
        await page.goto(`${account}/email`);
        await journey.screen('change-mail-address');
        await page.fill('#email', newAddress);
        await page.fill('#emailConfirm', newAddress);
        let before = suite.service.smtp.messages.length;
        await submit(page);
        await journey.screen('mail-change-sent');
        await page.goto(await mailedUrl(newAddress, /\/email\/verify\//, before));
        await journey.screen('mail-change-confirm');
        await submit(page);
        await journey.screen('mail-changed');

        await page.goto(`${account}/student-id`);
        await journey.screen('additional-student-id');
        before = suite.service.smtp.messages.length;
        await submit(page);
        await journey.screen('additional-student-id-sent');
        await page.goto(await mailedUrl(newAddress, /\/student-id\/form\//, before));
        await journey.screen('additional-student-id-form');
        await page.fill('#schoolNameKanji', '鈴木 一郎');
        await page.selectOption('#catalogue', 'sci-phys');
        await page.fill('#studentId', '21M0042');
        await page.fill('#graduation', '2023-03');
        await page.check('input[name="graduationType"][value="graduated"]');
        await submit(page);
        await journey.screen('additional-student-id-confirm');
        await submit(page);
        await journey.screen('additional-student-id-accepted');

        await page.goto(account);
        await Promise.all([page.waitForURL(/\/session\/end/), page.click(`a[href*="/session/end"]`)]);
        await journey.screen('logout-confirm');
        await Promise.all([page.waitForURL(/\/logged-out$/), page.click('button[value="yes"]')]);
        await journey.screen('logged-out');

        await page.goto(
          oidc.buildAuthorizationUrl(suite.rp, { redirect_uri: suite.landing.callback, scope: 'openid', ui_locales: lang }).href,
        );
        await Promise.all([page.waitForURL(/\/password-reset$/), page.click('a[href$="/password-reset"]')]);
        await journey.screen('forgotten-password');
        await page.fill('#email', newAddress);
        before = suite.service.smtp.messages.length;
        await submit(page, /\/sent$/);
        await journey.screen('reset-mail-sent');
        await page.goto(await mailedUrl(newAddress, /\/password-reset\//, before));
        await journey.screen('reset-form');
        await page.fill('#password', 'Reset2026pw');
        await page.fill('#passwordConfirm', 'Reset2026pw');
        await page.fill('#secondPassword', 'Reset2026two');
        await page.fill('#secondPasswordConfirm', 'Reset2026two');
        await submit(page);
        await journey.screen('reset-done');
        // A short title, the message as text (issue 28 item 7).
        t.is(await page.textContent('h1'), lang === 'ja' ? '設定が完了しました' : 'Done');
        t.regex((await page.textContent('main [role="status"]')) ?? '', lang === 'ja' ? /設定しました/ : /has been set/);

        t.deepEqual(journey.violations, [], 'no serious or critical accessibility violation');
        await context.close();
      },
    );
  }
}

test.serial('without JavaScript, the LANG pull-down still switches the page and forms still post', async (t) => {
  const context = await suite.browser.newContext({ javaScriptEnabled: false, locale: 'ja-JP' });
  const page = await context.newPage();
  await page.goto(`${suite.service.issuer}/t/test-univ/apply`);
  t.true(await page.isVisible('.lang-submit'), 'the Change button shows when scripts do not run');
  await page.selectOption('#lang-select', 'en');
  await Promise.all([page.waitForLoadState('load'), page.click('.lang-submit')]);
  t.is(await page.getAttribute('html', 'lang'), 'en');
  await page.fill('#email', 'nojs@example.com');
  await page.fill('#emailConfirm', 'other@example.com');
  await Promise.all([page.waitForLoadState('load'), page.click('main button.primary')]);
  t.regex((await page.textContent('#emailConfirm-error')) ?? '', /do not match/);
  await context.close();
});

test.serial('a graduate logs in with the keyboard alone', async (t) => {
  const email = 'keyboard@example.com';
  await createGraduate(suite.service.hasher, {
    tenantId: 'test-univ',
    email,
    password: 'Keyboard2026pw',
    secondPassword: 'Second2026kb',
    name: { kanji: parseName('鍵盤 花子', 'name') },
    studentIds: [],
  });
  const context = await newContext(suite.browser, 'desktop', 'ja');
  const page = await context.newPage();
  await page.goto(oidc.buildAuthorizationUrl(suite.rp, { redirect_uri: suite.landing.callback, scope: 'openid' }).href);
  // From the top of the page: skip link, LANG select, then the form in document order.
  const focused = () =>
    page.evaluate(() => (globalThis as unknown as { document: { activeElement?: { id: string } } }).document.activeElement?.id);
  for (let i = 0; i < 10 && (await focused()) !== 'email'; i++) await page.keyboard.press('Tab');
  t.is(await focused(), 'email', 'the mail address field is reachable by Tab');
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type('Keyboard2026pw');
  // Past the password's show/hide button (a tab stop of its own) to the second password.
  await page.keyboard.press('Tab');
  t.regex(
    await page.evaluate(
      () =>
        (globalThis as unknown as { document: { activeElement?: { className: string } } }).document.activeElement?.className ??
        '',
    ),
    /reveal/,
  );
  await page.keyboard.press('Tab');
  t.is(await focused(), 'secondPassword');
  await page.keyboard.type('Second2026kb');
  await Promise.all([page.waitForURL((u) => u.href.startsWith(suite.landing.callback)), page.keyboard.press('Enter')]);
  t.truthy(new URL(page.url()).searchParams.get('code'));
  await context.close();
});
