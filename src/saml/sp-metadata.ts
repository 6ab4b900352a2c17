import type { Tenant } from '../db/models/tenant.ts';
import { LANGUAGES, type Lang, translator } from '../i18n/index.ts';
import { declarations } from './namespaces.ts';
import type { ServiceProviders } from './service-provider.ts';
import { certificateBody, xmlText } from './xml-text.ts';

/** What a federation registration asks of an SP besides its keys and endpoints (config `saml.sp`). */
export interface SpRegistration {
  organizationUrl: string;
  technicalContact: string;
  supportContact: string;
  privacyStatementUrl: string;
  /** Entity categories we meet (REFEDS Personalized Access by default). */
  entityCategories: string[];
}

const URI = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';
const COCO_V2 = 'https://refeds.org/category/code-of-conduct/v2';

/**
 * The attributes we ask IdPs for, as the federation's attribute filters read them (urn:oid names):
 * an identifier (one of them), the names on certificates, the affiliation that makes a student;
 * mail and the student number are welcome, not required.
 */
export const REQUESTED_ATTRIBUTES: Array<[name: string, friendlyName: string, required: boolean]> = [
  ['urn:oasis:names:tc:SAML:attribute:subject-id', 'subject-id', true],
  ['urn:oasis:names:tc:SAML:attribute:pairwise-id', 'pairwise-id', false],
  ['urn:oid:1.3.6.1.4.1.5923.1.1.1.10', 'eduPersonTargetedID', false],
  ['urn:oid:1.3.6.1.4.1.5923.1.1.1.6', 'eduPersonPrincipalName', false],
  ['urn:oid:1.3.6.1.4.1.32264.1.1.1', 'jasn', true],
  ['urn:oid:1.3.6.1.4.1.32264.1.1.2', 'jaGivenName', true],
  ['urn:oid:2.5.4.4', 'sn', false],
  ['urn:oid:2.5.4.42', 'givenName', false],
  ['urn:oid:1.3.6.1.4.1.5923.1.1.1.9', 'eduPersonScopedAffiliation', true],
  ['urn:oid:0.9.2342.19200300.100.1.3', 'mail', false],
  ['urn:oid:1.3.6.1.4.1.25178.1.2.14', 'schacPersonalUniqueCode', false],
];

function entityCategories(registration: SpRegistration): string {
  const categories = [...registration.entityCategories, ...(registration.privacyStatementUrl ? [COCO_V2] : [])];
  if (!categories.length) return '';
  const values = [...new Set(categories)].map((c) => `<saml:AttributeValue>${xmlText(c)}</saml:AttributeValue>`).join('');
  return `<md:Extensions><mdattr:EntityAttributes><saml:Attribute Name="http://macedir.org/entity-category" NameFormat="${URI}">${values}</saml:Attribute></mdattr:EntityAttributes></md:Extensions>`;
}

/** One element per language, as `<element xml:lang="ja">…</element><element xml:lang="en">…</element>`. */
const perLanguage = (element: string, value: (lang: Lang) => string) =>
  LANGUAGES.map((lang) => `<${element} xml:lang="${lang}">${xmlText(value(lang))}</${element}>`).join('');

const university = (tenant: Tenant) => (lang: Lang) => tenant.name?.[lang] ?? tenant._id;
/** A message naming the university, in each language. */
const said = (tenant: Tenant, key: string) => (lang: Lang) => translator(lang)(key, { university: university(tenant)(lang) });

function uiInfo(tenant: Tenant, registration: SpRegistration, informationUrl: string): string {
  const urls = (element: string, url: string) => (url ? perLanguage(element, () => url) : '');
  return (
    '<md:Extensions><mdui:UIInfo>' +
    perLanguage('mdui:DisplayName', said(tenant, 'spMetadata.displayName')) +
    perLanguage('mdui:Description', said(tenant, 'spMetadata.description')) +
    urls('mdui:InformationURL', informationUrl) +
    urls('mdui:PrivacyStatementURL', registration.privacyStatementUrl) +
    '</mdui:UIInfo></md:Extensions>'
  );
}

function keyDescriptors(sps: ServiceProviders): string {
  const key = (use: string, pem: string) =>
    `<md:KeyDescriptor use="${use}"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBody(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
  return sps.keys.map((k) => key('signing', k.certificate) + key('encryption', k.certificate)).join('');
}

function attributeConsumingService(tenant: Tenant): string {
  const names = perLanguage('md:ServiceName', said(tenant, 'spMetadata.displayName'));
  const requested = REQUESTED_ATTRIBUTES.map(
    ([name, friendlyName, required]) =>
      `<md:RequestedAttribute Name="${name}" FriendlyName="${friendlyName}" NameFormat="${URI}" isRequired="${required}"/>`,
  ).join('');
  return `<md:AttributeConsumingService index="0" isDefault="true">${names}${requested}</md:AttributeConsumingService>`;
}

function organisationAndContacts(tenant: Tenant, registration: SpRegistration, url: string): string {
  const contact = (type: string, address: string) =>
    address
      ? `<md:ContactPerson contactType="${type}"><md:EmailAddress>mailto:${xmlText(address)}</md:EmailAddress></md:ContactPerson>`
      : '';
  return (
    `<md:Organization>${perLanguage('md:OrganizationName', university(tenant))}${perLanguage('md:OrganizationDisplayName', university(tenant))}${perLanguage('md:OrganizationURL', () => url)}</md:Organization>` +
    contact('technical', registration.technicalContact) +
    contact('support', registration.supportContact)
  );
}

/**
 * Requirement X2.4. Our SP metadata for one university, as a federation registers it (SAML V2.0 metadata with the
 * mdui, mdattr and entity category extensions): keys, ACS and SLO endpoints, the attributes we
 * request, names and description in Japanese and English, organisation and contacts.
 */
export function spMetadata(sps: ServiceProviders, tenant: Tenant, registration: SpRegistration): string {
  const tenantId = tenant._id;
  const url = registration.organizationUrl || sps.issuer;
  const slo = ['HTTP-Redirect', 'HTTP-POST']
    .map(
      (b) =>
        `<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:${b}" Location="${xmlText(sps.sloUrl(tenantId))}"/>`,
    )
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<md:EntityDescriptor ${declarations('md', 'ds', 'saml', 'mdui', 'mdattr')} entityID="${xmlText(sps.entityId(tenantId))}">` +
    entityCategories(registration) +
    `<md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
    uiInfo(tenant, registration, tenant.loginUrl || url) +
    keyDescriptors(sps) +
    slo +
    '<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>' +
    `<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${xmlText(sps.acsUrl(tenantId))}" index="0" isDefault="true"/>` +
    attributeConsumingService(tenant) +
    '</md:SPSSODescriptor>' +
    organisationAndContacts(tenant, registration, url) +
    '</md:EntityDescriptor>\n'
  );
}
