import test from 'ava';
import * as oidc from 'openid-client';
import { AccountModel } from '../src/db/models/account.ts';
import { AuditModel } from '../src/db/models/audit.ts';
import { SamlLinkModel } from '../src/db/models/saml.ts';
import { type SimpleSamlPhp, STUDENTS, startSimpleSamlPhp } from '../src/dev/simplesamlphp.ts';
import { Browser, inputValue } from './helpers/browser.ts';
import { relyingParty, type StartedLogin, startLogin } from './helpers/relying-party.ts';
import { type Landing, seedSamlUniversity, signInAtUniversity } from './helpers/saml-student.ts';
import { REDIRECT_URI, startTestService, type TestService } from './helpers/service.ts';

let service: TestService;
let ssp: SimpleSamlPhp;
let rp: oidc.Configuration;
let rpSecond: oidc.Configuration;

const [TARO, HANA] = STUDENTS as [(typeof STUDENTS)[0], (typeof STUDENTS)[0]];
const SECOND = 'Campus2026Second';

test.before(async () => {
  service = await startTestService('saml-student');
  ssp = await startSimpleSamlPhp();
  const plain = await seedSamlUniversity(service, ssp, 'test-univ');
  rp = await relyingParty(service.issuer, plain.client.id, plain.client.secret);
  // A university that wants a second password from students, encrypted assertions and HTTP-POST requests.
  const strict = await seedSamlUniversity(service, ssp, 'second-univ', {
    secondPassword: true,
    encryptAssertions: true,
    graduates: false,
    binding: 'post',
  });
  rpSecond = await relyingParty(service.issuer, strict.client.id, strict.client.secret);
});

test.after.always(async () => {
  await ssp?.stop();
  await service?.stop();
});

const idpLink = (login: StartedLogin) => {
  const path = login.page.match(/href="(\/interaction\/[^"]+\/saml\/campus)"/)?.[1];
  if (!path) throw new Error(`no university sign-in on the login page: ${login.page.slice(0, 500)}`);
  return new URL(path, login.pageUrl).href;
};

async function post(browser: Browser, page: Landing, fields: Record<string, string>): Promise<Landing> {
  const action = page.html.match(/<form method="post" action="([^"]+)"/)?.[1] ?? '';
  const result = await browser.postForm(
    new URL(action, page.url).href,
    { _csrf: inputValue(page.html, '_csrf'), ...fields },
    REDIRECT_URI,
  );
  return { url: result.url, status: result.response?.status, html: (await result.response?.text()) ?? '' };
}

async function tokensFor(config: oidc.Configuration, login: StartedLogin, url: string) {
  return oidc.authorizationCodeGrant(config, new URL(url), {
    pkceCodeVerifier: login.verifier,
    expectedState: login.state,
    expectedNonce: login.nonce,
  });
}

/** S2: types the address twice, opens the mailed link, sets it, and presses "Move to Login page". */
async function registerMail(browser: Browser, page: Landing, address: string, tenantId: string): Promise<Landing> {
  const sent = await post(browser, page, { email: address, emailConfirm: address });
  if (!/確認メールを送信しました|A confirmation mail has been sent/.test(sent.html)) throw new Error(sent.html.slice(0, 800));
  const mail = await service.smtp.waitFor(
    (m) => m.text?.includes(`/t/${tenantId}/student-mail/`) === true && m.text.includes('30'),
  );
  const url = mail.text?.match(/https?:\/\/\S+\/student-mail\/\S+/)?.[0] as string;
  const confirm = await browser.page(url);
  const done = await post(browser, { ...confirm, url }, {});
  if (!/メールアドレス設定完了|Mail address setting complete/.test(done.html)) throw new Error(done.html.slice(0, 800));
  const next = done.html.match(/href="([^"]*\/continue\?t=[^"]+)"/)?.[1] as string;
  const landing = await browser.follow(new URL(next.replaceAll('&amp;', '&'), done.url).href, {}, REDIRECT_URI);
  return { url: landing.url, status: landing.response?.status, html: (await landing.response?.text()) ?? '' };
}

test.serial(
  'a student signs in at the university, registers a mail address at the first login, and reaches the relying party',
  async (t) => {
    const login = await startLogin(rp);
    t.regex(login.page, /テスト大学統合認証でログイン/, 'the login page offers the university sign-in');
    t.regex(login.page, /name="password"/, 'and the graduate login of the same university');
    const page = await signInAtUniversity(login.browser, idpLink(login), TARO);
    t.is(page.status, 200);
    t.regex(page.html, /<h1>メールアドレス設定<\/h1>/);

    const mismatch = await post(login.browser, page, { email: 'taro@example.com', emailConfirm: 'taro@example.org' });
    t.is(mismatch.status, 400);
    t.regex(mismatch.html, /メールアドレスと確認用のメールアドレスが一致しません/);
    const bad = await post(login.browser, page, { email: 'not-an-address', emailConfirm: 'not-an-address' });
    t.is(bad.status, 400);

    const back = await registerMail(login.browser, page, 'Taro.Yamada@example.com', 'test-univ');
    t.true(back.url.startsWith(REDIRECT_URI), `ends at the relying party, not ${back.url}`);
    const tokens = await tokensFor(rp, login, back.url);
    const claims = tokens.claims();
    t.is(claims?.account_kind, 'student');
    t.is(claims?.tenant, 'test-univ');
    t.is(claims?.email, 'taro.yamada@example.com');
    t.is(claims?.name, '山田 太郎');
    t.is(claims?.['name#ja-Latn-JP'], 'Yamada Taro');
    t.is(claims?.acr, 'urn:cert-idp:acr:saml');
    t.deepEqual(claims?.amr, ['saml']);
    t.deepEqual(claims?.student_ids, [
      // No empty members; the university's name in both languages though the assertion carried neither.
      {
        number: 'A0123456',
        university: 'テスト大学',
        'university#ja': 'テスト大学',
        'university#en': 'Test University',
        status: 'enrolled',
      },
    ]);
    const link = await SamlLinkModel.findOne({ accountId: claims?.sub }).lean();
    t.is(link?._id, 'test-univ|campus|a0123456', 'linked by (tenant, IdP, persistent NameID)');
  },
);

test.serial(
  'the second login of a student goes straight through, finds the same account and refreshes it from the assertion',
  async (t) => {
    const before = await AccountModel.findOne({ tenantId: 'test-univ', email: 'taro.yamada@example.com' }).lean();
    await AccountModel.updateOne({ _id: before?._id }, { $set: { 'name.kanji.given': 'old name' } });
    const login = await startLogin(rp);
    const back = await signInAtUniversity(login.browser, idpLink(login), TARO);
    t.true(back.url.startsWith(REDIRECT_URI), back.html.slice(0, 500));
    const claims = (await tokensFor(rp, login, back.url)).claims();
    t.is(claims?.sub, before?._id.toString());
    t.is(claims?.name, '山田 太郎', 'names come from the assertion again');
    t.is(await AccountModel.countDocuments({ tenantId: 'test-univ', kind: 'student' }), 1);
  },
);

test.serial(
  'a student whose university wants a second password sets it at the first login and enters it afterwards',
  async (t) => {
    const login = await startLogin(rpSecond);
    // Students only and one IdP: straight to the university's sign-in (an auto-posting form).
    t.regex(login.page, /<form method="post" action="http:\/\/localhost:\d+\/saml2\/idp\/SSOService\.php"/);
    const page = await signInAtUniversity(login.browser, login.pageUrl, HANA);
    t.regex(page.html, /<h1>メールアドレス設定<\/h1>/, 'the encrypted assertion was accepted');
    const setting = await registerMail(login.browser, page, 'hana@example.com', 'second-univ');
    t.regex(setting.html, /<h1>第2パスワード設定<\/h1>/);
    const weak = await post(login.browser, setting, { secondPassword: 'short', secondPasswordConfirm: 'short' });
    t.is(weak.status, 400);
    t.regex(weak.html, /field-error/);
    const set = await post(login.browser, setting, { secondPassword: SECOND, secondPasswordConfirm: SECOND });
    t.regex(set.html, /第2パスワードを設定しました/);
    const ok = set.html.match(/class="button primary" href="([^"]+)"/)?.[1] as string;
    const back = await login.browser.follow(new URL(ok.replaceAll('&amp;', '&'), set.url).href, {}, REDIRECT_URI);
    const claims = (await tokensFor(rpSecond, login, back.url)).claims();
    t.is(claims?.acr, 'urn:cert-idp:acr:saml+second-password');
    t.deepEqual(claims?.amr, ['saml', 'kba']);
    t.is(claims?.email, 'hana@example.com');

    // Next time, in another browser: the university's sign-in, then the second password.
    const again = await startLogin(rpSecond);
    const prompt = await signInAtUniversity(again.browser, again.pageUrl, HANA);
    t.regex(prompt.html, /第2パスワードを忘れた場合/);
    const wrong = await post(again.browser, prompt, { secondPassword: 'Wrong2026Second' });
    t.is(wrong.status, 401);
    t.regex(wrong.html, /第2パスワードが正しくありません/);
    const right = await post(again.browser, prompt, { secondPassword: SECOND });
    t.true(right.url.startsWith(REDIRECT_URI));
    t.is((await tokensFor(rpSecond, again, right.url)).claims()?.sub, claims?.sub);
  },
);

test.serial('a student who forgot the second password sets a new one from a mailed link and logs in with it', async (t) => {
  const browser = new Browser();
  const request = await browser.page(`${service.issuer}/t/second-univ/second-password-reset`);
  t.regex(request.html, /第2パスワードを忘れた場合/);
  const sent = await post(browser, request, { email: 'hana@example.com' });
  t.is(sent.status, 200);
  const mail = await service.smtp.waitFor((m) => m.text?.includes('/t/second-univ/second-password-reset/') === true);
  const url = mail.text?.match(/https?:\/\/\S+\/second-password-reset\/\S+/)?.[0] as string;
  const form = { ...(await browser.page(url)), url };
  const done = await post(browser, form, { secondPassword: 'Renewed2026Second', secondPasswordConfirm: 'Renewed2026Second' });
  t.regex(done.html, /第2パスワードを設定しました/);
  t.is((await browser.page(url)).status, 410, 'the link works once');

  const login = await startLogin(rpSecond);
  const prompt = await signInAtUniversity(login.browser, login.pageUrl, HANA);
  t.is((await post(login.browser, prompt, { secondPassword: SECOND })).status, 401, 'the old one no longer works');
  const right = await post(login.browser, prompt, { secondPassword: 'Renewed2026Second' });
  t.true(right.url.startsWith(REDIRECT_URI));
});

test.serial('a student changes the second password from the account menu, which offers no graduate-only items', async (t) => {
  const login = await startLogin(rpSecond);
  const prompt = await signInAtUniversity(login.browser, login.pageUrl, HANA);
  t.true((await post(login.browser, prompt, { secondPassword: 'Renewed2026Second' })).url.startsWith(REDIRECT_URI));
  const menu = await login.browser.page(`${service.issuer}/t/second-univ/account`);
  t.regex(menu.html, /第2パスワード変更/);
  t.notRegex(menu.html, /\/account\/password"/, 'no password of ours to change');
  t.notRegex(menu.html, /\/account\/personal"/);
  // Arriving anyway (a relying party's menu, a bookmark): a page that says why and leads back (issue 28 item 2).
  for (const path of ['/password', '/personal']) {
    const refused = await login.browser.page(`${service.issuer}/t/second-univ/account${path}`);
    t.is(refused.status, 404);
    t.regex(refused.html, /この画面は卒業生のアカウント用です。/, path);
    t.regex(refused.html, /<a class="button" href="\/t\/second-univ\/account">アカウントのメニューに戻る<\/a>/, path);
  }
  const form = await login.browser.page(`${service.issuer}/t/second-univ/account/second-password`);
  const changed = await post(login.browser, form, {
    current: 'Renewed2026Second',
    next: 'Changed2026Second',
    confirm: 'Changed2026Second',
  });
  t.is(changed.status, 200);
  const account = await AccountModel.findOne({ tenantId: 'second-univ', email: 'hana@example.com' }).lean();
  t.true(await service.hasher.verify(account?.secondPasswordHash, 'Changed2026Second'));
});

test.serial(
  'a student whose account the university disabled is refused after the university sign-in, told to ask the university',
  async (t) => {
    const filter = { tenantId: 'test-univ', email: 'taro.yamada@example.com' };
    await AccountModel.updateOne(filter, { $set: { disabledAt: new Date(), disabledReason: 'test' } });
    try {
      const login = await startLogin(rp, {}, new Browser());
      const refused = await signInAtUniversity(login.browser, idpLink(login), TARO);
      t.is(refused.status, 403);
      t.regex(refused.html, /このアカウントは現在ご利用いただけません。大学の問い合わせ先へご連絡ください。/);
      const id = (await AccountModel.findOne(filter).lean())?._id.toString();
      t.truthy(await AuditModel.exists({ event: 'login.failed', accountId: id, 'detail.reason': 'disabled' }));
    } finally {
      await AccountModel.updateOne(filter, { $unset: { disabledAt: 1, disabledReason: 1 } });
    }
  },
);

/** Taro (already registered) logs in at the plain university in a fresh browser. */
async function taroLogsIn() {
  const login = await startLogin(rp, {}, new Browser());
  const back = await signInAtUniversity(login.browser, idpLink(login), TARO);
  if (!back.url.startsWith(REDIRECT_URI)) throw new Error(back.html.slice(0, 500));
  return login.browser;
}

const account = () => `${service.issuer}/t/test-univ/account`;

test.serial('a student who logs out at the university is logged out here too (IdP-initiated single logout)', async (t) => {
  const browser = await taroLogsIn();
  t.regex((await browser.page(account())).html, /<h1>/, 'signed in to the account menu');
  t.notRegex((await browser.page(account())).url, /\/interaction\//);
  const result = await browser.page(
    `${ssp.baseUrl}/saml2/idp/SingleLogoutService.php?ReturnTo=${encodeURIComponent(`${ssp.baseUrl}/`)}`,
  );
  t.true(result.url.startsWith(ssp.baseUrl), `back at the university: ${result.url}`);
  t.regex((await browser.page(account())).url, /\/interaction\//, 'our session ended');
  const logged = await AuditModel.findOne({ event: 'saml.logout' }).lean();
  t.truthy(logged, 'and the logout is audited');
});

test.serial('a student who logs out from the account menu is logged out at the university too', async (t) => {
  const browser = await taroLogsIn();
  const menu = await browser.page(account());
  const logoutUrl = menu.html.match(/href="(\/session\/end\?[^"]+)"/)?.[1]?.replaceAll('&amp;', '&') as string;
  const confirm = await browser.page(`${service.issuer}${logoutUrl}`);
  const action = confirm.html.match(/<form id="op\.logoutForm"[^>]*action="([^"]+)"/)?.[1] as string;
  const done = await browser.postForm(new URL(action, confirm.url).href, {
    xsrf: inputValue(confirm.html, 'xsrf'),
    logout: 'yes',
  });
  t.is(done.response?.status, 200);
  t.true(
    done.url.startsWith(`${service.issuer}/t/test-univ/saml/slo?SAMLResponse=`),
    `the IdP answered our LogoutRequest: ${done.url}`,
  );
  t.regex((await done.response?.text()) ?? '', /ログアウトしました|logged out/i);
  t.regex((await browser.page(account())).url, /\/interaction\//, 'our session ended');
  const login = await startLogin(rp, {}, browser);
  const atIdp = await browser.page(new URL(idpLink(login)).href);
  t.regex(atIdp.html, /name="username"/, 'the university asks for the password again');
});

test.serial('our SP metadata names the entity, the ACS and the signing and encryption certificates', async (t) => {
  const response = await fetch(`${service.issuer}/t/test-univ/saml/metadata`);
  t.is(response.headers.get('content-type'), 'application/samlmetadata+xml');
  const xml = await response.text();
  t.true(xml.includes(`entityID="${service.issuer}/t/test-univ/saml/metadata"`));
  t.true(xml.includes(`Location="${service.issuer}/t/test-univ/saml/acs"`));
  t.regex(xml, /AuthnRequestsSigned="true"/);
  t.regex(xml, /use="signing"/);
  t.regex(xml, /use="encryption"/);
});
