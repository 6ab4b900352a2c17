import { randomUUID } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { SignedXml } from 'xml-crypto';
import type { Browser } from './browser.ts';
import { REDIRECT_URI } from './service.ts';

/** Everything a forged response may get wrong; the defaults make a correct one. */
export interface ResponseFields {
  issuer: string;
  acs: string;
  audience: string;
  inResponseTo: string;
  /** Raw XML text of the NameID (so a test can hide a comment in it). */
  nameIdXml: string;
  attributes: Record<string, string>;
  notBefore?: Date;
  notOnOrAfter?: Date;
  assertionId?: string;
  /** The signing key and certificate; none: the assertion is not signed. */
  signer?: { privateKey: string; certificate: string };
  /** Text placed before the root element (a DOCTYPE, say). */
  prolog?: string;
  /** The AuthnContextClassRef; PasswordProtectedTransport unless given. */
  authnContext?: string;
}

const iso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
const ns = 'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"';

export function assertionXml(f: ResponseFields): string {
  const now = new Date();
  const notBefore = f.notBefore ?? new Date(now.getTime() - 60_000);
  const notOnOrAfter = f.notOnOrAfter ?? new Date(now.getTime() + 300_000);
  const attributes = Object.entries(f.attributes)
    .map(([name, value]) => `<saml:Attribute Name="${name}"><saml:AttributeValue>${value}</saml:AttributeValue></saml:Attribute>`)
    .join('');
  const xml =
    `<saml:Assertion ${ns} ID="${f.assertionId ?? `_${randomUUID()}`}" Version="2.0" IssueInstant="${iso(now)}">` +
    `<saml:Issuer>${f.issuer}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">${f.nameIdXml}</saml:NameID>` +
    '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">' +
    `<saml:SubjectConfirmationData NotOnOrAfter="${iso(notOnOrAfter)}" Recipient="${f.acs}" InResponseTo="${f.inResponseTo}"/>` +
    '</saml:SubjectConfirmation></saml:Subject>' +
    `<saml:Conditions NotBefore="${iso(notBefore)}" NotOnOrAfter="${iso(notOnOrAfter)}">` +
    `<saml:AudienceRestriction><saml:Audience>${f.audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(now)}" SessionIndex="_${randomUUID()}"><saml:AuthnContext>` +
    `<saml:AuthnContextClassRef>${f.authnContext ?? 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport'}</saml:AuthnContextClassRef>` +
    '</saml:AuthnContext></saml:AuthnStatement>' +
    `<saml:AttributeStatement>${attributes}</saml:AttributeStatement></saml:Assertion>`;
  return f.signer ? signAssertion(xml, f.signer) : xml;
}

/** An enveloped RSA-SHA256 signature over the assertion, placed after its Issuer, as IdPs do. */
export function signAssertion(xml: string, signer: { privateKey: string; certificate: string }): string {
  const sig = new SignedXml({
    privateKey: signer.privateKey,
    publicCert: signer.certificate,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath: "//*[local-name(.)='Assertion']",
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
  });
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' },
  });
  return sig.getSignedXml();
}

/** A samlp:Response around the given assertion XML. */
export function responseXml(f: Pick<ResponseFields, 'issuer' | 'acs' | 'inResponseTo' | 'prolog'>, assertion: string): string {
  return (
    (f.prolog ?? '') +
    `<samlp:Response ${ns} ID="_${randomUUID()}" Version="2.0" IssueInstant="${iso(new Date())}" Destination="${f.acs}" InResponseTo="${f.inResponseTo}">` +
    `<saml:Issuer>${f.issuer}</saml:Issuer>` +
    '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>' +
    `${assertion}</samlp:Response>`
  );
}

export const encode = (xml: string) => Buffer.from(xml).toString('base64');

/**
 * The student presses the university sign-in button: our AuthnRequest leaves for the IdP. Returns its
 * ID and RelayState, as the IdP would read them, without going to the IdP.
 */
export async function pendingRequest(browser: Browser, idpStartUrl: string): Promise<{ id: string; relayState: string }> {
  const response = await browser.request(idpStartUrl);
  const location = new URL(response.headers.get('location') ?? '');
  const xml = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
  return { id: xml.match(/ID="([^"]+)"/)?.[1] ?? '', relayState: location.searchParams.get('RelayState') ?? '' };
}

/** Posts a SAMLResponse to an ACS as the browser would, and returns where it ends up. */
export async function postResponse(browser: Browser, acs: string, encoded: string, relayState: string) {
  const result = await browser.postForm(acs, { SAMLResponse: encoded, RelayState: relayState }, REDIRECT_URI);
  return { url: result.url, status: result.response?.status, html: (await result.response?.text()) ?? '' };
}
