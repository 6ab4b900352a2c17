import test from 'ava';
import * as oidc from 'openid-client';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { createStaff } from '../../src/admin/staff.ts';
import { browserSuite, Journey, newContext, VIEWPORTS, type Viewport } from '../helpers/real-browser.ts';
import { recipients } from '../helpers/smtp-sink.ts';

const fixtures = new URL('../fixtures/', import.meta.url).pathname;

/** In the page: chooses a 4000×3000 photo of noise (a PNG of tens of MB, like a phone camera's) as the back image. */
const CHOOSE_HUGE_PHOTO = `(async () => {
  const canvas = document.createElement('canvas');
  canvas.width = 4000;
  canvas.height = 3000;
  const context = canvas.getContext('2d');
  const pixels = context.createImageData(4000, 3000);
  for (let i = 0; i < pixels.data.length; i += 65536) crypto.getRandomValues(pixels.data.subarray(i, i + 65536));
  context.putImageData(pixels, 0, 0);
  const blob = await new Promise((done) => canvas.toBlob(done, 'image/png'));
  const transfer = new DataTransfer();
  transfer.items.add(new File([blob], 'photo.png', { type: 'image/png' }));
  const input = document.querySelector('#id_back');
  input.files = transfer.files;
  input.dispatchEvent(new Event('change'));
  return blob.size;
})()`;
const SHRUNK = `document.querySelector('#id_back').files[0]?.type === 'image/jpeg'`;
const suite = browserSuite('browser-graduate');

async function mailText(to: string, pattern: RegExp): Promise<string> {
  return (await suite.service.smtp.waitFor((m) => recipients(m) === to && pattern.test(m.text ?? ''))).text ?? '';
}

/** The LANG pull-down: choosing English reloads the page in English (JavaScript submits the form). */
async function chooseLanguage(page: Page, lang: 'ja' | 'en') {
  if ((await page.getAttribute('html', 'lang')) === lang) return;
  await Promise.all([page.waitForLoadState('load'), page.waitForURL(/./), page.selectOption('#lang-select', lang)]);
  await page.waitForSelector(`html[lang="${lang}"]`);
}

for (const lang of ['ja', 'en'] as const) {
  for (const viewport of Object.keys(VIEWPORTS) as Viewport[]) {
    test.serial(`a graduate applies, is approved and logs in for the first time (${lang}, ${viewport})`, async (t) => {
      const email = `browser-${lang}-${viewport}@example.com`;
      const context = await newContext(suite.browser, viewport, lang);
      const page = await context.newPage();
      const journey = new Journey(page, 'graduate-application', lang, viewport);

      await page.goto(`${suite.service.issuer}/t/test-univ/apply`);
      await chooseLanguage(page, lang);
      await journey.screen('mail-address-setting');
      await page.fill('#email', email);
      await page.fill('#emailConfirm', email);
      await page.click('button.primary');
      await page.waitForURL(/\/apply\/sent$/);
      await journey.screen('confirmation-mail-sent');

      const url = (await mailText(email, /\/verify\//)).match(/(http\S+\/verify\/\S+)/)?.[1] as string;
      await page.goto(url);
      await journey.screen('terms-of-use');
      await page.check('#agree');
      await page.click('button.primary');
      await page.waitForURL(/\/apply\/form$/);
      await journey.screen('applicant-form');

      await page.check('input[name="applicationType"][value="new"]');
      for (const [id, value] of Object.entries({
        nameKanji: '山田 太郎',
        nameKana: 'ヤマダ タロウ',
        nameRoman: 'YAMADA Taro',
        birthdate: '1990-09-09',
        schoolNameKanji: '山田 太郎',
        studentId: '15L0001',
        graduation: '2015-03',
        postalCode: '100-0001',
        city: '千代田区',
        street: '千代田1-1',
        phone: '03-1111-2222',
      })) {
        await page.fill(`#${id}`, value);
      }
      await page.selectOption('#catalogue', 'let-jpn');
      // A list of the prefectures, each in the page's language (issue 28 item 9).
      await page.selectOption('#prefecture', '東京都');
      t.is(await page.textContent('#prefecture option:checked'), lang === 'ja' ? '東京都' : 'Tokyo');
      t.is(await page.getAttribute('#postalCode', 'autocomplete'), 'postal-code', 'a phone fills in the address');
      await page.check('input[name="graduationType"][value="graduated"]');
      await page.check('input[name="idType"][value="driving_licence"]');
      if (viewport === 'phone') {
        // A phone photo over the 5 MB limit is made smaller in the browser before it is sent.
        const original = (await page.evaluate(CHOOSE_HUGE_PHOTO)) as number;
        t.true(original > 5 * 1_048_576, `the photo is ${original} bytes`);
        await page.waitForFunction(SHRUNK);
        const sent = await page.evaluate('document.querySelector("#id_back").files[0].size');
        t.true((sent as number) <= 5 * 1_048_576, `sent ${sent} bytes`);
        t.regex((await page.getAttribute('#id_back-preview', 'src')) ?? '', /^blob:/);
      }
      await page.setInputFiles('#id_front', `${fixtures}id-front.png`);
      await page.setInputFiles('#id_back', `${fixtures}id-back.jpg`);
      t.regex((await page.getAttribute('#id_front-preview', 'src')) ?? '', /^blob:/, 'the chosen image is previewed at once');
      await journey.screen('applicant-form-filled');
      await page.click('form[enctype] button.primary');
      await page.waitForURL(/\/apply\/confirm$/);
      t.true(await page.isVisible('img.preview'));
      await journey.screen('confirmation');
      await page.click('form[action$="/submit"] button.primary');
      await page.waitForURL(/\/apply\/done$/);
      t.regex(
        (await page.textContent('main')) ?? '',
        lang === 'ja' ? /申請内容を確認します/ : /Your application will be checked/,
      );
      await journey.screen('application-reception');

      // University staff, on their own device.
      const staffEmail = `staff-${lang}-${viewport}@test-univ.example`;
      await createStaff(suite.service.hasher, {
        tenantId: 'test-univ',
        email: staffEmail,
        name: '審査 担当',
        password: 'StaffPass2026x',
      });
      const staffContext = await newContext(suite.browser, viewport, lang);
      const staffPage = await staffContext.newPage();
      const staffJourney = new Journey(staffPage, 'staff-review', lang, viewport);
      await staffPage.goto(`${suite.service.issuer}/t/test-univ/staff/login`);
      await chooseLanguage(staffPage, lang);
      await staffJourney.screen('staff-login');
      await staffPage.fill('#email', staffEmail);
      await staffPage.fill('#password', 'StaffPass2026x');
      await staffPage.click('button.primary');
      await staffPage.waitForURL(/\/staff\/enrol$/);
      await staffJourney.screen('totp-enrolment');
      const secret = (await staffPage.textContent('[data-secret]')) as string;
      await staffPage.fill('#code', await generate({ secret }));
      await staffPage.click('button.primary');
      await staffPage.waitForURL(/\/staff$/);
      await staffJourney.screen('queue');
      await staffPage.click(`a:text("山田 太郎") >> nth=-1`);
      await staffJourney.screen('application');
      // The image can be turned and zoomed, and the decision chosen by its key.
      await staffPage.click('button[data-rotate="image-front"]');
      t.regex((await staffPage.getAttribute('#image-front', 'style')) ?? '', /rotate\(90deg\)/);
      await staffPage.click('#image-front');
      t.regex((await staffPage.getAttribute('#image-front', 'class')) ?? '', /zoomed/);
      await staffPage.keyboard.press('r');
      t.true(await staffPage.isChecked('input[name="action"][value="reject"]'), 'R chooses rejection');
      await staffPage.keyboard.press('a');
      t.true(await staffPage.isChecked('input[name="action"][value="approve"]'), 'A chooses approval');
      await staffPage.click('#image-front');
      await staffPage.click('form[action$="/decide"] button.primary');
      await staffPage.waitForURL(/decided=/);
      await staffContext.close();

      // First login at the relying party with the initial password.
      const password = (await mailText(email, /(初期パスワード|Initial password)/)).match(
        /(?:初期パスワード：|Initial password: )(\S+)/,
      )?.[1] as string;
      await page.goto(
        oidc.buildAuthorizationUrl(suite.rp, { redirect_uri: suite.landing.callback, scope: 'openid email', ui_locales: lang })
          .href,
      );
      await journey.screen('login');
      t.regex((await page.textContent('h1')) ?? '', lang === 'ja' ? /卒業生ログイン/ : /Graduate login/);
      await page.fill('#email', email);
      await page.fill('#password', password);
      await page.click('button.primary');
      await page.waitForURL(/\/continue$/);
      await journey.screen('password-setting');
      // The rules tick off while the password is typed, and the eye button shows what was typed.
      await page.fill('#password', 'graduate');
      const met = () => page.$$eval('#password-rules li.met', (items) => items.map((item) => (item as HTMLElement).dataset.rule));
      t.deepEqual(await met(), ['length', 'charset', 'lower']);
      await page.click('#password + button.reveal');
      t.is(await page.getAttribute('#password', 'type'), 'text');
      await page.fill('#password', 'Graduate2026');
      t.deepEqual(await met(), ['length', 'charset', 'upper', 'lower', 'digit']);
      await journey.screen('password-rules-met');
      await page.click('#password + button.reveal');
      t.is(await page.getAttribute('#password', 'type'), 'password');
      await page.fill('#passwordConfirm', 'Graduate2026');
      await page.fill('#secondPassword', 'Second2026z');
      await page.fill('#secondPasswordConfirm', 'Second2026z');
      await page.click('button.primary');
      await journey.screen('passwords-set');
      await page.click('a.button.primary');
      await page.waitForURL((u) => u.href.startsWith(suite.landing.callback));
      t.truthy(new URL(page.url()).searchParams.get('code'), 'the relying party received a code');

      t.deepEqual([...journey.violations, ...staffJourney.violations], [], 'no serious or critical accessibility violation');
      await context.close();
    });
  }
}
