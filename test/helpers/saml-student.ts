import { importIdp } from '../../src/admin/saml-idps.ts';
import { configureTenant } from '../../src/admin/tenants.ts';
import type { SamlTestUser, SimpleSamlPhp } from '../../src/dev/simplesamlphp.ts';
import { type Browser, inputValue } from './browser.ts';
import { REDIRECT_URI, seedUniversity, type TestService } from './service.ts';

/**
 * A university whose students sign in at SimpleSAMLphp: the operator imports the IdP's metadata
 * from its URL, and the IdP registers the SP metadata we publish for the university.
 */
export async function seedSamlUniversity(
  service: TestService,
  ssp: SimpleSamlPhp,
  tenantId: string,
  options: { secondPassword?: boolean; encryptAssertions?: boolean; graduates?: boolean; binding?: 'redirect' | 'post' } = {},
) {
  const university = await seedUniversity(service, tenantId);
  await configureTenant(tenantId, {
    loginMethods: { graduate: options.graduates ?? true, student: true },
    studentSecondPassword: Boolean(options.secondPassword),
  });
  await importIdp({
    tenantId,
    slug: 'campus',
    nameJa: 'テスト大学統合認証',
    nameEn: 'Test University SSO',
    metadataUrl: ssp.metadataUrl,
    binding: options.binding,
  });
  const metadata = await (await fetch(`${service.issuer}/t/${tenantId}/saml/metadata`)).text();
  ssp.registerSp(tenantId, metadata, { encryptAssertions: options.encryptAssertions });
  return university;
}

export interface Landing {
  url: string;
  status?: number;
  html: string;
}

/** Posts a page's auto-submitting SAML form (as the browser's JavaScript would) and follows on. */
export async function postSamlForm(browser: Browser, page: Landing): Promise<Landing> {
  const action = page.html.match(/<form[^>]*method="post"[^>]*action="([^"]+)"/i)?.[1] ?? '';
  const fields: Record<string, string> = {};
  for (const name of ['SAMLResponse', 'SAMLRequest', 'RelayState']) {
    if (page.html.includes(`name="${name}"`)) fields[name] = inputValue(page.html, name).replaceAll('&#x2B;', '+');
  }
  const result = await browser.postForm(new URL(action.replaceAll('&amp;', '&'), page.url).href, fields, REDIRECT_URI);
  return { url: result.url, status: result.response?.status, html: (await result.response?.text()) ?? '' };
}

/**
 * From a link to the university's sign-in: types the user's ID and password at SimpleSAMLphp when
 * it asks (a second login rides on its session), posts the SAML response back, and returns where
 * the browser ends up: one of our pages, or the relying party's redirect URI.
 */
export async function signInAtUniversity(browser: Browser, startUrl: string, user: SamlTestUser): Promise<Landing> {
  const first = await browser.follow(startUrl, {}, REDIRECT_URI);
  let page: Landing = { url: first.url, status: first.response?.status, html: (await first.response?.text()) ?? '' };
  // HTTP-POST binding: our page carries the signed AuthnRequest in a form that JavaScript submits.
  if (page.html.includes('name="SAMLRequest"')) page = await postSamlForm(browser, page);
  if (page.html.includes('name="username"')) {
    const fields: Record<string, string> = { username: user.username, password: user.password };
    if (page.html.includes('name="AuthState"')) fields.AuthState = inputValue(page.html, 'AuthState');
    const posted = await browser.postForm(page.url, fields, REDIRECT_URI);
    page = { url: posted.url, status: posted.response?.status, html: (await posted.response?.text()) ?? '' };
  }
  if (page.html.includes('name="SAMLResponse"')) page = await postSamlForm(browser, page);
  return page;
}
