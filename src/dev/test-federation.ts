import { SignedXml } from 'xml-crypto';
import { declarations } from '../saml/namespaces.ts';
import { certificateBody, xmlText } from '../saml/xml-text.ts';

/**
 * A federation operator's side, for the tests, the benchmark and the demo: IdP entity descriptors
 * with the extensions federations publish (mdui names and logos, shibmd scopes, entity attributes,
 * registration info), gathered into an aggregate with a validUntil and signed with the federation's key.
 */
export interface EntityOptions {
  entityId: string;
  certificate: string;
  ssoUrl: string;
  names?: { ja?: string; en?: string };
  logo?: string;
  scopes?: Array<string | { regexp: string }>;
  /** Entity attributes, `name=value`. */
  entityAttributes?: string[];
  registrationAuthority?: string;
}

const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';

function entityExtensions(o: EntityOptions): string {
  const registration = o.registrationAuthority
    ? `<mdrpi:RegistrationInfo registrationAuthority="${xmlText(o.registrationAuthority)}"/>`
    : '';
  const grouped = new Map<string, string[]>();
  for (const pair of o.entityAttributes ?? []) {
    const at = pair.indexOf('=');
    grouped.set(pair.slice(0, at), [...(grouped.get(pair.slice(0, at)) ?? []), pair.slice(at + 1)]);
  }
  const attributes = [...grouped]
    .map(
      ([name, values]) =>
        `<saml:Attribute Name="${xmlText(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">` +
        values.map((v) => `<saml:AttributeValue>${xmlText(v)}</saml:AttributeValue>`).join('') +
        '</saml:Attribute>',
    )
    .join('');
  const entityAttributes = attributes ? `<mdattr:EntityAttributes>${attributes}</mdattr:EntityAttributes>` : '';
  return registration || entityAttributes ? `<md:Extensions>${registration}${entityAttributes}</md:Extensions>` : '';
}

function idpExtensions(o: EntityOptions): string {
  const scopes = (o.scopes ?? [])
    .map((scope) =>
      typeof scope === 'string'
        ? `<shibmd:Scope regexp="false">${xmlText(scope)}</shibmd:Scope>`
        : `<shibmd:Scope regexp="true">${xmlText(scope.regexp)}</shibmd:Scope>`,
    )
    .join('');
  const names = Object.entries(o.names ?? {})
    .map(([lang, name]) => `<mdui:DisplayName xml:lang="${lang}">${xmlText(name ?? '')}</mdui:DisplayName>`)
    .join('');
  const logo = o.logo ? `<mdui:Logo height="16" width="16">${xmlText(o.logo)}</mdui:Logo>` : '';
  const ui = names || logo ? `<mdui:UIInfo>${names}${logo}</mdui:UIInfo>` : '';
  return scopes || ui ? `<md:Extensions>${scopes}${ui}</md:Extensions>` : '';
}

/** One IdP's EntityDescriptor, as a federation registers it. */
export function idpEntityDescriptor(o: EntityOptions): string {
  return (
    `<md:EntityDescriptor entityID="${xmlText(o.entityId)}">${entityExtensions(o)}` +
    `<md:IDPSSODescriptor protocolSupportEnumeration="${PROTOCOL}">${idpExtensions(o)}` +
    `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBody(o.certificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
    '<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>' +
    `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${xmlText(o.ssoUrl)}"/>` +
    `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${xmlText(o.ssoUrl)}"/>` +
    '</md:IDPSSODescriptor></md:EntityDescriptor>'
  );
}

export interface AggregateOptions {
  entities: string[];
  validUntil: Date;
  name?: string;
  /** The federation's signing key; none: the aggregate is not signed. */
  signer?: { privateKey: string; certificate: string };
}

/** The federation's aggregate of entity descriptors, signed over the whole document (enveloped, RSA-SHA256). */
export function federationAggregate(o: AggregateOptions): string {
  const id = `_${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<md:EntitiesDescriptor ${declarations('md', 'ds', 'mdui', 'shibmd', 'mdattr', 'mdrpi', 'saml')} ID="${id}" Name="${xmlText(o.name ?? 'https://federation.test/')}" validUntil="${o.validUntil.toISOString()}">` +
    `${o.entities.join('\n')}</md:EntitiesDescriptor>\n`;
  if (!o.signer) return xml;
  const sig = new SignedXml({
    privateKey: o.signer.privateKey,
    publicCert: o.signer.certificate,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath: '/*',
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
  });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: '/*', action: 'prepend' } });
  return sig.getSignedXml();
}

/**
 * Entities as a federation such as GakuNin or eduGAIN publishes them, for tests and benchmarks of
 * scale (issue 24): about two in five IdPs, the rest SPs, each with registration info, entity
 * categories, mdui names, descriptions, URLs and a logo in two languages, signing and encryption
 * keys, several endpoints, the organisation and three contacts — some 5 KB each, as in eduGAIN.
 * `certificates` are reused round-robin (a real aggregate has one per entity; the size is the same).
 */
export function realisticEntities(count: number, certificates: string[]): string[] {
  return Array.from({ length: count }, (_, i) => {
    const domain = `org${i}.example.ac.jp`;
    const certificate = certificateBody(certificates[i % certificates.length] as string);
    const key = (use: string) =>
      `<md:KeyDescriptor use="${use}"><ds:KeyInfo><ds:KeyName>${domain}</ds:KeyName><ds:X509Data><ds:X509Certificate>${certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
    const ui =
      '<mdui:UIInfo>' +
      `<mdui:DisplayName xml:lang="ja">第${i}大学 ${i % 2 ? '学認IdP' : '図書館サービス'}</mdui:DisplayName>` +
      `<mdui:DisplayName xml:lang="en">University No. ${i} ${i % 2 ? 'IdP' : 'Library Service'}</mdui:DisplayName>` +
      `<mdui:Description xml:lang="ja">第${i}大学の構成員が学術認証フェデレーションのサービスを利用するための認証サービスです。</mdui:Description>` +
      `<mdui:Description xml:lang="en">The sign-in service through which members of University No. ${i} reach the federation's services.</mdui:Description>` +
      `<mdui:InformationURL xml:lang="ja">https://www.${domain}/ja/sso/</mdui:InformationURL>` +
      `<mdui:InformationURL xml:lang="en">https://www.${domain}/en/sso/</mdui:InformationURL>` +
      `<mdui:PrivacyStatementURL xml:lang="en">https://www.${domain}/privacy/</mdui:PrivacyStatementURL>` +
      `<mdui:Logo height="60" width="80">https://www.${domain}/images/logo-80x60.png</mdui:Logo>` +
      `<mdui:Logo height="16" width="16">https://www.${domain}/favicon.png</mdui:Logo>` +
      '</mdui:UIInfo>';
    const registration =
      '<md:Extensions><mdrpi:RegistrationInfo registrationAuthority="https://www.gakunin.jp" registrationInstant="2015-04-01T00:00:00Z"/>' +
      '<mdattr:EntityAttributes><saml:Attribute Name="http://macedir.org/entity-category-support" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">' +
      '<saml:AttributeValue>https://refeds.org/category/research-and-scholarship</saml:AttributeValue><saml:AttributeValue>https://refeds.org/category/personalized</saml:AttributeValue>' +
      '</saml:Attribute></mdattr:EntityAttributes></md:Extensions>';
    const organisation =
      `<md:Organization><md:OrganizationName xml:lang="ja">第${i}大学</md:OrganizationName><md:OrganizationName xml:lang="en">University No. ${i}</md:OrganizationName>` +
      `<md:OrganizationDisplayName xml:lang="ja">第${i}大学</md:OrganizationDisplayName><md:OrganizationDisplayName xml:lang="en">University No. ${i}</md:OrganizationDisplayName>` +
      `<md:OrganizationURL xml:lang="ja">https://www.${domain}/</md:OrganizationURL><md:OrganizationURL xml:lang="en">https://www.${domain}/en/</md:OrganizationURL></md:Organization>`;
    const contacts = ['technical', 'support', 'other']
      .map(
        (type) =>
          `<md:ContactPerson contactType="${type}"><md:GivenName>Information Center</md:GivenName><md:SurName>No. ${i}</md:SurName><md:EmailAddress>mailto:${type}@${domain}</md:EmailAddress></md:ContactPerson>`,
      )
      .join('');
    const role =
      i % 5 < 2
        ? `<md:IDPSSODescriptor protocolSupportEnumeration="${PROTOCOL}">` +
          `<md:Extensions><shibmd:Scope regexp="false">${domain}</shibmd:Scope>${ui}</md:Extensions>${key('signing')}${key('encryption')}` +
          `<md:ArtifactResolutionService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="https://idp.${domain}:8443/idp/profile/SAML2/SOAP/ArtifactResolution" index="2"/>` +
          '<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat><md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>' +
          `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.${domain}/idp/profile/SAML2/POST/SSO"/>` +
          `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST-SimpleSign" Location="https://idp.${domain}/idp/profile/SAML2/POST-SimpleSign/SSO"/>` +
          `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.${domain}/idp/profile/SAML2/Redirect/SSO"/>` +
          '</md:IDPSSODescriptor>'
        : `<md:SPSSODescriptor protocolSupportEnumeration="${PROTOCOL}">` +
          `<md:Extensions>${ui}</md:Extensions>${key('signing')}${key('encryption')}` +
          `<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://sp.${domain}/Shibboleth.sso/SLO/Redirect"/>` +
          '<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>' +
          `<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.${domain}/Shibboleth.sso/SAML2/POST" index="1"/>` +
          `<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" Location="https://sp.${domain}/Shibboleth.sso/SAML2/Artifact" index="2"/>` +
          '</md:SPSSODescriptor>';
    const entityId = i % 5 < 2 ? `https://idp.${domain}/idp/shibboleth` : `https://sp.${domain}/shibboleth-sp`;
    return `<md:EntityDescriptor entityID="${entityId}">${registration}${role}${organisation}${contacts}</md:EntityDescriptor>`;
  });
}
