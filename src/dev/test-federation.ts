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
