import test from 'ava';
import { createStaff } from '../../src/admin/staff.ts';
import { APPLICANT, Applicant } from '../helpers/applicant.ts';
import { browserSuite, firstStaffSignIn, Journey, newContext, VIEWPORTS, type Viewport } from '../helpers/real-browser.ts';

// Issue 27: a reviewer uploads the graduate register, reads each application against it, decides,
// undoes a decision and decides again — in Chromium, in Japanese and English, on a phone and a PC;
// every screen pictured (test-results/screenshots/review-workbench/) and checked with axe-core.
const suite = browserSuite('browser-workbench', { overrides: { staff: { undoSeconds: 60 } } });

const REGISTER = [
  '学籍番号,氏名,フリガナ,ローマ字,生年月日,学部,学科,卒業年月日,区分',
  '15L0001,山田 太郎,ヤマダ タロウ,YAMADA Taro,1990/09/09,文学部,日本文学科,2015/03/20,卒業',
  '15L0002,髙橋 花子,たかはし はなこ,TAKAHASHI Hanako,平成3年4月1日,文学部,日本文学科,2015/03/20,卒業',
].join('\r\n');

const texts = {
  ja: {
    applied: '名簿に反映しました。',
    close: '名簿とほぼ一致',
    decided: 'さんの申請を承認しました。',
    undone: '審査結果を取り消しました。',
  },
  en: {
    applied: 'The register was updated.',
    close: 'written differently',
    decided: 'You approved the application',
    undone: 'The decision was undone.',
  },
};

for (const lang of ['ja', 'en'] as const) {
  for (const viewport of Object.keys(VIEWPORTS) as Viewport[]) {
    test.serial(
      `a reviewer checks applications against the register, decides, undoes and decides again (${lang}, ${viewport})`,
      async (t) => {
        await suite.ready;
        const tag = `${lang}-${viewport}`;
        const email = `reviewer-${tag}@test-univ.example`;
        await createStaff(suite.service.hasher, {
          tenantId: 'test-univ',
          email,
          name: '審査 一郎',
          password: 'StaffPass2026x',
          roles: ['reviewer'],
        });
        const closeOne = `close-${tag}@example.com`;
        await new Applicant(suite.service).apply(`exact-${tag}@example.com`, APPLICANT);
        await new Applicant(suite.service).apply(closeOne, {
          ...APPLICANT,
          studentId: '15L0002',
          nameKanji: '高橋 花子',
          nameKana: 'タカハシ ハナコ',
          nameRoman: 'TAKAHASHI Hanako',
          schoolNameKanji: '高橋 花子',
          schoolNameKana: 'タカハシ ハナコ',
          schoolNameRoman: 'TAKAHASHI Hanako',
          birthdate: '1991-04-01',
        });
        const context = await newContext(suite.browser, viewport, lang);
        const page = await context.newPage();
        const journey = new Journey(page, 'review-workbench', lang, viewport);
        try {
          await firstStaffSignIn(page, suite.service.issuer, email, lang, /\/staff$/);
          await Promise.all([page.waitForURL(/\/register$/), page.click('.staff-bar a[href$="/register"]')]);
          await journey.screen('register');
          await page.setInputFiles('#register', {
            name: '名簿.csv',
            mimeType: 'text/csv',
            buffer: Buffer.from(REGISTER, 'utf8'),
          });
          await Promise.all([page.waitForURL(/\/register\/uploads\//), page.click('button.primary')]);
          await journey.screen('register-columns');
          await Promise.all([page.waitForURL(/done=applied/), page.click('button[name="apply"]')]);
          t.regex((await page.textContent('.notice')) ?? '', new RegExp(texts[lang].applied));
          await journey.screen('register-applied');

          await Promise.all([page.waitForURL(/\/staff$/), page.click('.staff-bar a[href$="/staff"]')]);
          await journey.screen('queue');
          await Promise.all([page.waitForURL(/\/applications\//), page.click(`tr:has-text("${closeOne}") a`)]);
          t.regex((await page.textContent('.register-summary')) ?? '', new RegExp(texts[lang].close));
          t.true(await page.locator('.register-item mark').first().isVisible(), 'the differing letters are marked');
          await journey.screen('application-against-register');
          const keys = await page.locator('.shortcuts').isVisible();
          t.is(keys, viewport === 'desktop', 'the A/R/B keys are offered where there is a keyboard only');

          await page.check('input[name="action"][value="approve"]');
          await Promise.all([page.waitForURL(/decided=/), page.click('form[action$="/decide"] button.primary')]);
          t.regex((await page.textContent('.notice')) ?? '', new RegExp(texts[lang].decided));
          await journey.screen('decided-with-undo');
          await Promise.all([page.waitForURL(/undone=1/), page.click('form[action$="/undo"] button')]);
          t.regex((await page.textContent('.notice')) ?? '', new RegExp(texts[lang].undone));
          await journey.screen('undone');
          await page.check('input[name="action"][value="reject"]');
          await page.fill(
            '#reason',
            lang === 'ja' ? '在籍の記録と生年月日が一致しません。' : 'The date of birth differs from our records.',
          );
          await Promise.all([page.waitForURL(/decided=/), page.click('form[action$="/decide"] button.primary')]);
          await journey.screen('decided-again');
          t.deepEqual(journey.violations, [], 'no serious accessibility violation');
        } finally {
          await context.close();
        }
      },
    );
  }
}
