import test from 'ava';
import * as oidc from 'openid-client';
import type { BrowserContext, Page } from 'playwright-core';
import { browserSuite, Journey, newContext } from '../helpers/real-browser.ts';
import { addGraduate } from '../helpers/service.ts';

// Issue 23, item 6: 「ログイン中の端末」 in Chromium, a phone and a PC signed in to one account.
const suite = browserSuite('browser-devices');

async function signIn(context: BrowserContext, email: string, lang: 'ja' | 'en'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(
    oidc.buildAuthorizationUrl(suite.rp, { redirect_uri: suite.landing.callback, scope: 'openid', ui_locales: lang }).href,
  );
  await page.fill('#email', email);
  await page.fill('#password', 'Account2026pw');
  await page.fill('#secondPassword', 'Second2026ac');
  await Promise.all([page.waitForURL((u) => u.href.startsWith(suite.landing.callback)), page.click('button.primary >> nth=-1')]);
  return page;
}

for (const lang of ['ja', 'en'] as const) {
  test.serial(`a graduate signed in on a phone and a PC sees both on the PC and signs the phone out (${lang})`, async (t) => {
    const email = `devices-${lang}@example.com`;
    await addGraduate(suite.service, email);
    const phone = await newContext(suite.browser, 'phone', lang);
    const pc = await newContext(suite.browser, 'desktop', lang);
    try {
      const phonePage = await signIn(phone, email, lang);
      const pcPage = await signIn(pc, email, lang);
      const account = `${suite.service.issuer}/t/test-univ/account`;

      const phoneJourney = new Journey(phonePage, 'devices', lang, 'phone');
      await phonePage.goto(`${account}/devices`);
      await phoneJourney.screen('devices');

      const journey = new Journey(pcPage, 'devices', lang, 'desktop');
      await pcPage.goto(account);
      await Promise.all([pcPage.waitForURL(/\/devices$/), pcPage.click(`a[href$="/devices"]`)]);
      await journey.screen('devices');
      t.is(await pcPage.locator('li.device').count(), 2, 'both devices are listed');
      t.is(await pcPage.locator('li.device.current').count(), 1, 'this device is marked');
      t.regex((await pcPage.textContent('li.device.current')) ?? '', /Chrom/, 'the browser is named');

      await Promise.all([pcPage.waitForLoadState('load'), pcPage.click('li.device:not(.current) button')]);
      await journey.screen('device-signed-out');
      t.regex((await pcPage.textContent('.notice')) ?? '', lang === 'ja' ? /ログアウトさせました/ : /signed out/);
      t.is(await pcPage.locator('li.device').count(), 1);

      await phonePage.goto(account);
      t.regex(phonePage.url(), /\/account\/login|\/interaction\//, 'the phone has to log in again');
      t.deepEqual([...journey.violations, ...phoneJourney.violations], [], 'no serious or critical accessibility violation');
    } finally {
      await phone.close();
      await pc.close();
    }
  });
}
