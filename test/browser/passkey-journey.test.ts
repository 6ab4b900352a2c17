import test from 'ava';
import * as oidc from 'openid-client';
import { generate } from 'otplib';
import type { BrowserContext, Page } from 'playwright-core';
import { createGraduate, parseName } from '../../src/admin/accounts.ts';
import { createStaff } from '../../src/admin/staff.ts';
import { AccountModel } from '../../src/db/models/account.ts';
import { AuditModel } from '../../src/db/models/audit.ts';
import { PasskeyModel } from '../../src/db/models/passkey.ts';
import { TenantModel } from '../../src/db/models/tenant.ts';
import { Browser } from '../helpers/browser.ts';
import { browserSuite, Journey, newContext, VIEWPORTS, type Viewport } from '../helpers/real-browser.ts';
import { addGraduate, startSecondInstance } from '../helpers/service.ts';
import { recipients } from '../helpers/smtp-sink.ts';

const suite = browserSuite('browser-passkey', { localhost: true });
const PASSKEY_ACR = 'urn:cert-idp:acr:passkey';

/** Chromium's virtual authenticator (DevTools WebAuthn domain): a platform authenticator with biometrics. */
async function virtualAuthenticator(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

/** A login at the relying party, with PKCE, that the test finishes itself to read the ID token. */
async function startLogin(page: Page, lang: string, extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(suite.rp, {
    redirect_uri: suite.landing.callback,
    scope: 'openid',
    ui_locales: lang,
    state,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  });
  await page.goto(url.href);
  return async () => {
    await page.waitForURL((u) => u.href.startsWith(suite.landing.callback));
    const tokens = await oidc.authorizationCodeGrant(suite.rp, new URL(page.url()), {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    return tokens.claims();
  };
}

async function logInWithPasswords(page: Page, email: string, lang: string) {
  const finish = await startLogin(page, lang);
  await page.fill('#email', email);
  await page.fill('#password', 'Account2026pw');
  await page.fill('#secondPassword', 'Second2026ac');
  await page.click('button.primary');
  return finish();
}

async function addPasskey(page: Page, journey: Journey, name: string) {
  const account = `${suite.service.issuer}/t/test-univ/account`;
  await page.goto(account);
  await Promise.all([page.waitForURL(/\/passkeys$/), page.click(`a[href$="/account/passkeys"]`)]);
  await journey.screen('passkeys-none');
  await page.fill('#password', 'Account2026pw');
  await page.fill('#secondPassword', 'Second2026ac');
  await Promise.all([page.waitForURL(/\/passkeys\/confirm$/), page.click('button.primary')]);
  await page.waitForSelector('[data-passkey-registration]:not([hidden])');
  await page.fill('#name', name);
  await journey.screen('passkey-register');
  await Promise.all([page.waitForURL(/\/passkeys\/add$/), page.click('button.primary')]);
  await journey.screen('passkey-added');
}

for (const lang of ['ja', 'en'] as const) {
  for (const viewport of Object.keys(VIEWPORTS) as Viewport[]) {
    test.serial(
      `a graduate adds a passkey, then logs in with it alone, also where a relying party requires it (${lang}, ${viewport})`,
      async (t) => {
        const email = `passkey-${lang}-${viewport}@example.com`;
        await addGraduate(suite.service, email);
        const context: BrowserContext = await newContext(suite.browser, viewport, lang);
        const page = await context.newPage();
        await virtualAuthenticator(page);
        const journey = new Journey(page, 'passkeys', lang, viewport);

        await logInWithPasswords(page, email, lang);
        await addPasskey(page, journey, 'Test phone');
        t.regex((await page.textContent('table.passkeys')) ?? '', /Test phone/);
        const [stored] = await PasskeyModel.find({ name: 'Test phone' }).sort({ createdAt: -1 }).limit(1).lean();
        t.truthy(stored, 'the passkey is stored');

        // Logged out (cookies gone), the browser offers the passkey from the address field (conditional
        // UI; the virtual authenticator picks it at once): the passkey alone logs the graduate in.
        await context.clearCookies();
        const finish = await startLogin(page, lang);
        const claims = await finish();
        t.is(claims?.acr, PASSKEY_ACR);
        t.deepEqual(claims?.amr, ['hwk', 'user']);

        // A relying party that requires a passkey gets a page with only the passkey on it.
        await context.clearCookies();
        const required = await startLogin(page, lang, { acr_values: PASSKEY_ACR });
        await page.waitForSelector('.passkey-login:not([hidden])');
        t.is(await page.$('#password'), null, 'no password form where the relying party requires a passkey');
        await journey.screen('login-passkey-required');
        await page.click('.passkey-button');
        t.is((await required())?.acr, PASSKEY_ACR);

        const used = await PasskeyModel.findById(stored?._id).lean();
        t.truthy(used?.lastUsedAt, 'the time of use is kept');
        t.truthy(await AuditModel.findOne({ event: 'passkey.added', accountId: stored?.accountId }).lean());
        const owner = await AccountModel.findById(stored?.accountId).lean();
        const notice = await suite.service.smtp.waitFor(
          (m) => recipients(m) === owner?.email && /パスキーが追加されました|A passkey was added/.test(m.subject ?? ''),
        );
        t.regex(notice.text ?? '', /（日本時間）|\(Japan time\)/, 'the person is told, with the time');
        t.truthy(
          await AuditModel.findOne({ event: 'login.succeeded', accountId: stored?.accountId, 'detail.method': 'passkey' }).lean(),
        );
        t.deepEqual(journey.violations, [], 'no serious or critical accessibility violation');
        await context.close();
      },
    );
  }
}

test.serial(
  'where the university requires passkeys, a graduate registers one at the first login, after setting both passwords',
  async (t) => {
    const email = 'passkey-required@example.com';
    await createGraduate(suite.service.hasher, {
      tenantId: 'test-univ',
      email,
      initialPassword: 'Initial2026pw',
      validDays: 30,
      name: { kanji: parseName('初回 太郎', 'name') },
      studentIds: [],
    });
    await TenantModel.updateOne({ _id: 'test-univ' }, { $set: { passkeys: 'required' } });
    try {
      const context = await newContext(suite.browser, 'desktop', 'ja');
      const page = await context.newPage();
      await virtualAuthenticator(page);
      const journey = new Journey(page, 'passkeys-required', 'ja', 'desktop');
      const finish = await startLogin(page, 'ja');
      await page.fill('#email', email);
      await page.fill('#password', 'Initial2026pw');
      await Promise.all([page.waitForURL(/\/continue$/), page.click('button.primary')]);
      await page.fill('#password', 'Graduate2026');
      await page.fill('#passwordConfirm', 'Graduate2026');
      await page.fill('#secondPassword', 'Second2026z');
      await page.fill('#secondPasswordConfirm', 'Second2026z');
      await page.click('button.primary');
      await Promise.all([page.waitForURL(/\/continue$/), page.click('main a.button.primary')]);
      await page.waitForSelector('[data-passkey-registration]:not([hidden])');
      await journey.screen('passkey-required');
      // Issue 28 item 12: said as it is (not "after your first login" on every login); the name is optional.
      t.regex((await page.textContent('main')) ?? '', /この大学では、ログインにパスキーを使います。/);
      t.is(await page.textContent('label[for="name"] .optional'), '任意');
      t.false(await page.locator('.passkey-unsupported').isVisible(), 'the browser supports passkeys: no such note');
      await page.click('button.primary');
      const claims = await finish();
      // The login proved the initial password only: it set the rest (X3.6).
      t.is(claims?.acr, 'urn:cert-idp:acr:password', 'this login was by the initial password');
      t.is(await PasskeyModel.countDocuments({ accountId: claims?.sub }), 1, 'and left a passkey behind');

      // The last passkey cannot be removed while the university requires one.
      await page.goto(`${suite.service.issuer}/t/test-univ/account/passkeys`);
      await page.click('table.passkeys button');
      t.regex((await page.textContent('main')) ?? '', /最後のパスキーは削除できません/);
      t.is(await PasskeyModel.countDocuments({ accountId: claims?.sub }), 1);
      t.deepEqual(journey.violations, []);
      await context.close();
    } finally {
      await TenantModel.updateOne({ _id: 'test-univ' }, { $set: { passkeys: 'allowed' } });
    }
  },
);

/** A graduate with a passkey on a fresh authenticator of a fresh context; returns the page and the CDP handle. */
async function graduateWithPasskey(email: string) {
  await addGraduate(suite.service, email);
  const context = await newContext(suite.browser, 'desktop', 'en');
  const page = await context.newPage();
  const authenticator = await virtualAuthenticator(page);
  await logInWithPasswords(page, email, 'en');
  await addPasskey(page, new Journey(page, 'passkeys-checks', 'en', 'desktop'), 'Checked key');
  await context.clearCookies();
  return { context, page, ...authenticator };
}

/** On a login page that offers only the passkey: the signed answer, made but not sent, and the form it belongs to. */
async function signedAnswer(page: Page) {
  return page.evaluate(async () => {
    const box = document.querySelector('[data-passkey-options]') as HTMLElement;
    const options = await (await fetch(box.dataset.passkeyOptions as string)).json();
    const browser = (
      globalThis as unknown as { SimpleWebAuthnBrowser: { startAuthentication: (o: unknown) => Promise<unknown> } }
    ).SimpleWebAuthnBrowser;
    const answer = await browser.startAuthentication({ optionsJSON: options });
    const form = box.querySelector('form') as HTMLFormElement;
    return {
      response: JSON.stringify(answer),
      csrf: (form.elements.namedItem('_csrf') as HTMLInputElement).value,
      action: form.action,
    };
  });
}

/** Posts a signed answer from the page (as its form would); the status, 0 for a redirect (a login that went on). */
function post(page: Page, answer: Awaited<ReturnType<typeof signedAnswer>>, action = answer.action) {
  return page.evaluate(
    async ({ response, csrf, to }) => {
      const body = new URLSearchParams({ _csrf: csrf, response });
      return (await fetch(to, { method: 'POST', body, redirect: 'manual' })).status;
    },
    { response: answer.response, csrf: answer.csrf, to: action },
  );
}

test.serial('a passkey answer sent twice logs in once: the second is refused, its challenge spent', async (t) => {
  const { context, page } = await graduateWithPasskey('passkey-replay@example.com');
  await startLogin(page, 'en', { acr_values: PASSKEY_ACR });
  const answer = await signedAnswer(page);
  t.is(await post(page, answer), 0, 'the first answer goes on with the login');
  t.is(await post(page, answer), 401, 'the same answer again is refused');
  t.truthy(await AuditModel.findOne({ event: 'login.failed', 'detail.method': 'passkey' }).lean(), 'and audited');
  await context.close();
});

test.serial('a cloned passkey whose counter went back is suspended, not silently refused', async (t) => {
  const { context, page, cdp, authenticatorId } = await graduateWithPasskey('passkey-clone@example.com');
  const finish = await startLogin(page, 'en', { acr_values: PASSKEY_ACR });
  await page.click('.passkey-button');
  t.is((await finish())?.acr, PASSKEY_ACR, 'the genuine authenticator logs in');
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  const [original] = credentials;
  // DevTools gives the credential ID in base64, WebAuthn JSON (and our store) in base64url.
  const id = Buffer.from(original?.credentialId ?? '', 'base64').toString('base64url');
  const stored = await PasskeyModel.findById(id).lean();
  t.true((stored?.counter ?? 0) > 0, 'the authenticator counts its signatures');

  // The same key copied to another authenticator that has counted less.
  const other = await newContext(suite.browser, 'desktop', 'en');
  const clonePage = await other.newPage();
  const clone = await virtualAuthenticator(clonePage);
  await clone.cdp.send('WebAuthn.addCredential', {
    authenticatorId: clone.authenticatorId,
    credential: { ...(original as NonNullable<typeof original>), signCount: 0 },
  });
  await startLogin(clonePage, 'en', { acr_values: PASSKEY_ACR });
  t.is(await post(clonePage, await signedAnswer(clonePage)), 403);
  const after = await PasskeyModel.findById(id).lean();
  t.is(after?.counter, stored?.counter, 'the counter is not moved back');
  t.truthy(after?.suspendedAt, 'the passkey is suspended (test/passkey-clone.test.ts follows the rest)');
  await other.close();
  await context.close();
});

test.serial('a passkey ceremony begun on one instance is finished by another: they share only the database', async (t) => {
  const { context, page } = await graduateWithPasskey('passkey-instances@example.com');
  const second = await startSecondInstance(suite.service);
  try {
    const finish = await startLogin(page, 'en', { acr_values: PASSKEY_ACR });
    const answer = await signedAnswer(page);
    // The challenge came from the first instance; the answer goes to the second, as a form would.
    const onSecond = new URL(answer.action);
    onSecond.port = String(second.port);
    await page.evaluate(
      ({ response, csrf, to }) => {
        const form = document.querySelector('[data-passkey-options] form') as HTMLFormElement;
        (form.elements.namedItem('response') as HTMLInputElement).value = response;
        (form.elements.namedItem('_csrf') as HTMLInputElement).value = csrf;
        form.action = to;
        form.submit();
      },
      { response: answer.response, csrf: answer.csrf, to: onSecond.href },
    );
    t.is((await finish())?.acr, PASSKEY_ACR, "the second instance verified the answer to the first one's challenge");
  } finally {
    second.stop();
    await context.close();
  }
});

test.serial('a graduate who resets a forgotten password keeps the passkey, which still logs in', async (t) => {
  const email = 'passkey-reset@example.com';
  const { context, page } = await graduateWithPasskey(email);
  const http = new Browser();
  const resetUrl = `${suite.service.issuer}/t/test-univ/password-reset`;
  await http.submit(resetUrl, await http.page(resetUrl), { email });
  const mail = await suite.service.smtp.waitFor((m) => recipients(m) === email && /password-reset\//.test(m.text ?? ''));
  const url = (mail.text ?? '').match(/(http\S+\/password-reset\/\S+)/)?.[1] as string;
  const fields = { password: 'Brand2026pw', passwordConfirm: 'Brand2026pw' };
  const done = await http.submit(url, await http.page(url), {
    ...fields,
    secondPassword: 'Brand2026new',
    secondPasswordConfirm: 'Brand2026new',
  });
  t.is(done.status, 200);
  const account = await AccountModel.findOne({ email }).lean();
  t.is(await PasskeyModel.countDocuments({ accountId: account?._id.toString() }), 1, 'the passkey is kept');
  const finish = await startLogin(page, 'en', { acr_values: PASSKEY_ACR });
  await page.click('.passkey-button');
  t.is((await finish())?.acr, PASSKEY_ACR);
  await context.close();
});

/** Staff sign-in with password and a freshly enrolled TOTP, on a page with a virtual authenticator. */
async function staffWithTotp(email: string) {
  await createStaff(suite.service.hasher, { tenantId: 'test-univ', email, name: '審査 担当', password: 'StaffPass2026x' });
  const context = await newContext(suite.browser, 'desktop', 'ja');
  const page = await context.newPage();
  await virtualAuthenticator(page);
  await page.goto(`${suite.service.issuer}/t/test-univ/staff/login`);
  await page.fill('#email', email);
  await page.fill('#password', 'StaffPass2026x');
  await Promise.all([page.waitForURL(/\/staff\/enrol$/), page.click('button.primary')]);
  const secret = (await page.textContent('[data-secret]')) as string;
  await page.fill('#code', await generate({ secret }));
  await page.click('button.primary');
  return { context, page };
}

async function addStaffPasskey(page: Page) {
  await page.fill('#password', 'StaffPass2026x');
  await Promise.all([page.waitForURL(/\/passkeys\/confirm$/), page.click('button.primary')]);
  await page.waitForSelector('[data-passkey-registration]:not([hidden])');
  await page.fill('#name', 'Office PC');
  await Promise.all([page.waitForURL(/\/passkeys\/add$/), page.click('button.primary')]);
}

test.serial('a staff member adds a passkey in the console and then signs in with it instead of password and code', async (t) => {
  const { context, page } = await staffWithTotp('staff-passkey@test-univ.example');
  await page.waitForURL(/\/staff$/);
  await Promise.all([page.waitForURL(/\/staff\/passkeys$/), page.click('.staff-bar a[href$="/passkeys"]')]);
  const journey = new Journey(page, 'staff-passkeys', 'ja', 'desktop');
  await journey.screen('staff-passkeys');
  await addStaffPasskey(page);
  t.regex((await page.textContent('table.passkeys')) ?? '', /Office PC/);

  // Signed out, the sign-in page's address field offers the passkey (conditional UI; the virtual
  // authenticator picks it at once): no password, no code.
  await context.clearCookies();
  await page.goto(`${suite.service.issuer}/t/test-univ/staff/login`);
  await page.waitForURL(/\/staff$/);
  t.regex((await page.textContent('h1')) ?? '', /利用申請の一覧/);
  t.truthy(await AuditModel.findOne({ event: 'staff.login', 'detail.method': 'passkey' }).lean());
  t.deepEqual(journey.violations, []);
  await context.close();
});

test.serial('where the university requires staff passkeys, the console opens only once the staff member has one', async (t) => {
  await TenantModel.updateOne({ _id: 'test-univ' }, { $set: { staffPasskeys: 'required' } });
  try {
    const { context, page } = await staffWithTotp('staff-required@test-univ.example');
    await page.waitForURL(/\/staff\/passkeys$/);
    t.regex((await page.textContent('main')) ?? '', /パスキーが必要です/);
    await page.goto(`${suite.service.issuer}/t/test-univ/staff`);
    t.regex(page.url(), /\/staff\/passkeys$/, 'the queue waits');
    await addStaffPasskey(page);
    await page.goto(`${suite.service.issuer}/t/test-univ/staff`);
    t.regex(page.url(), /\/staff$/, 'then the console opens');
    await context.close();
  } finally {
    await TenantModel.updateOne({ _id: 'test-univ' }, { $set: { staffPasskeys: 'allowed' } });
  }
});
