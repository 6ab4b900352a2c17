import test from 'ava';
import type { Page } from 'playwright-core';
import { createStaff } from '../../src/admin/staff.ts';
import { STUDENTS } from '../../src/dev/simplesamlphp.ts';
import { browserSuite, firstStaffSignIn, Journey, newContext, VIEWPORTS, type Viewport } from '../helpers/real-browser.ts';
import { addGraduate } from '../helpers/service.ts';

// Issue 26: a university's admin works in the console in Chromium, in Japanese and English, on a phone
// and a PC; every screen is pictured (test-results/screenshots/console/) and checked with axe-core.
const suite = browserSuite('browser-console', { saml: { students: STUDENTS } });

const texts = {
  ja: { search: '検索', disabled: 'アカウントを利用停止にしました。', invited: '招待メールを送信しました。', audit: '監査ログ' },
  en: { search: 'Search', disabled: 'The account is disabled.', invited: 'The invitation has been sent.', audit: 'Audit log' },
};

async function signIn(page: Page, journey: Journey, email: string, lang: 'ja' | 'en') {
  await firstStaffSignIn(page, suite.service.issuer, email, lang, /\/staff\/accounts$/);
  await journey.screen('accounts-search');
}

for (const lang of ['ja', 'en'] as const) {
  for (const viewport of Object.keys(VIEWPORTS) as Viewport[]) {
    test.serial(
      `a university admin helps an account, changes the settings, adds a relying party, invites a colleague and reads the audit log (${lang}, ${viewport})`,
      async (t) => {
        await suite.ready;
        const tag = `${lang}-${viewport}`;
        const adminEmail = `admin-${tag}@test-univ.example`;
        await createStaff(suite.service.hasher, {
          tenantId: 'test-univ',
          email: adminEmail,
          name: '管理 花子',
          password: 'StaffPass2026x',
          roles: ['admin'],
        });
        const graduate = await addGraduate(suite.service, `help-${tag}@example.com`);
        const context = await newContext(suite.browser, viewport, lang);
        const page = await context.newPage();
        const journey = new Journey(page, 'console', lang, viewport);
        try {
          await signIn(page, journey, adminEmail, lang);

          await page.fill('#q', graduate.email);
          await Promise.all([page.waitForURL(/\?q=/), page.click(`button:text("${texts[lang].search}")`)]);
          await journey.screen('accounts-found');
          await Promise.all([page.waitForURL(/\/accounts\/[0-9a-f]{24}$/), page.click('table a[href*="/accounts/"]')]);
          await journey.screen('account');

          await page.click('details.action:has(form[action$="/actions/disable"]) summary');
          await Promise.all([
            page.waitForURL(/\/actions\/disable$/),
            page.click('form.account-action[action$="/actions/disable"] button'),
          ]);
          await journey.screen('account-reason-missing');
          t.true(await page.locator('#reason[aria-invalid="true"]').isVisible(), 'the missing reason is shown at its field');
          await page.fill('#reason', lang === 'ja' ? '本人から紛失の連絡' : 'Reported lost by the owner');
          await Promise.all([
            page.waitForURL(/\?done=disable$/),
            page.click('form.account-action[action$="/actions/disable"] button'),
          ]);
          await journey.screen('account-disabled');
          t.regex((await page.textContent('.notice')) ?? '', new RegExp(texts[lang].disabled));

          await Promise.all([page.waitForURL(/\/settings$/), page.click('.staff-bar a[href$="/settings"]')]);
          await journey.screen('settings');
          await Promise.all([page.waitForURL(/\/branding$/), page.click('.staff-bar a[href$="/branding"]')]);
          await page.fill('#color', '#7a1f3d');
          await Promise.all([page.waitForLoadState('load'), page.click('button[value="preview"]')]);
          await journey.screen('branding-preview');
          t.is(
            await page.evaluate(() => getComputedStyle(document.querySelector('.sample-header') as Element).backgroundColor),
            'rgb(122, 31, 61)',
            'the preview shows the colour',
          );
          await Promise.all([page.waitForURL(/\/terms$/), page.click('.staff-bar a[href$="/terms"]')]);
          await page.fill('#ja', '第1条 改訂した利用規約です。');
          await page.fill('#en', 'Article 1. The revised terms of use.');
          await Promise.all([page.waitForURL(/done=saved/), page.click('form[action$="/terms/draft"] button')]);
          await journey.screen('terms-preview');
          await Promise.all([page.waitForURL(/\/form$/), page.click('.staff-bar a[href$="/form"]')]);
          await journey.screen('application-form');
          await Promise.all([page.waitForURL(/\/idps$/), page.click('.staff-bar a[href$="/idps"]')]);
          await journey.screen('university-sign-ins');
          await Promise.all([page.waitForURL(/\/idps\/campus$/), page.click('a[href$="/idps/campus"]')]);
          await journey.screen('university-sign-in');
          // Try a sign-in: off to the university's sign-in and back through the ACS, as a student would.
          const [student] = STUDENTS as [(typeof STUDENTS)[0]];
          await Promise.all([page.waitForURL(/\/module\.php/), page.click('button[data-try]')]);
          await page.fill('input[name=username]', student.username);
          await page.fill('input[name=password]', student.password);
          await Promise.all([page.waitForURL(/\/saml\/acs$/), page.press('input[name=password]', 'Enter')]);
          await journey.screen('try-a-sign-in');
          t.regex((await page.textContent('main')) ?? '', /A0123456/);
          await Promise.all([page.waitForURL(/\/idps\/campus$/), page.click('a.button.primary')]);
          await Promise.all([page.waitForURL(/\/clients$/), page.click('.staff-bar a[href$="/clients"]')]);
          await journey.screen('relying-parties');
          await page.fill('#name', `Certificates ${tag}`);
          await page.fill('#redirectUris', `https://cert-${tag}.example/callback`);
          await Promise.all([page.waitForURL(/\/clients$/), page.click('form[action$="/clients"] button.primary')]);
          await journey.screen('client-secret-shown-once');
          t.regex((await page.textContent('[data-client-secret]')) ?? '', /^[A-Za-z0-9_-]{43}$/);
          await Promise.all([page.waitForURL(/\/members$/), page.click('.staff-bar a[href$="/members"]')]);
          await journey.screen('members');
          await page.fill('#name', lang === 'ja' ? '新人 審査' : 'New Reviewer');
          await page.fill('#email', `new-${tag}@test-univ.example`);
          await page.check('input[name="role-reviewer"]');
          await Promise.all([page.waitForURL(/done=invited$/), page.click('form[action$="/members/invite"] button.primary')]);
          await journey.screen('member-invited');
          t.regex((await page.textContent('.notice')) ?? '', new RegExp(texts[lang].invited));
          await Promise.all([
            page.waitForURL(/\/members\/[0-9a-f]{24}$/),
            page.click(`a:text("${lang === 'ja' ? '新人 審査' : 'New Reviewer'}")`),
          ]);
          await journey.screen('member');

          await Promise.all([page.waitForURL(/\/audit$/), page.click('.staff-bar a[href$="/audit"]')]);
          await journey.screen('audit-log');
          t.regex((await page.textContent('h1')) ?? '', new RegExp(texts[lang].audit));
          t.regex((await page.textContent('main')) ?? '', /console\.account_disable/);

          await page.goto(`${suite.service.issuer}/t/test-univ/staff/confirm`);
          await journey.screen('confirm-it-is-you');
          t.deepEqual(journey.violations, [], 'no serious or critical accessibility violation');
        } finally {
          await context.close();
        }
      },
    );
  }
}
