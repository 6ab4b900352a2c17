import { createHash } from 'node:crypto';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { withoutControlCharacters } from '../../text/control-characters.ts';
import { METADATA_NS } from '../namespaces.ts';

const NS = METADATA_NS;
const SAML2 = 'urn:oasis:names:tc:SAML:2.0:protocol';
const BINDINGS = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

/** An IdP of a federation's aggregate, as stored (collection saml_federation_idps) and offered. */
export interface FederationIdp {
  entityId: string;
  /** sha256 of the entity ID, 16 hex digits: the IdP's stable slug (`fed-…`) in URLs and links. */
  key: string;
  /** sha256 of the entity's XML: an unchanged entity is not written again on refresh. */
  digest: string;
  metadataXml: string;
  displayName: { ja: string; en: string };
  logo: string;
  scopes: string[];
  scopeRegexps: string[];
  /** mdattr:EntityAttributes, each as `name=value`. */
  entityAttributes: string[];
  registrationAuthority: string;
  binding: 'redirect' | 'post';
}

export const entityKey = (entityId: string) => createHash('sha256').update(entityId).digest('hex').slice(0, 16);

/** The child elements of `parent` named `name` in namespace `ns`. */
export const childrenNS = (parent: Element, ns: string, name: string) =>
  Array.from(parent.childNodes).filter(
    (node): node is Element => (node as Element).namespaceURI === ns && (node as Element).localName === name,
  );
const descendants = (parent: Element, ns: string, name: string) =>
  Array.from(parent.getElementsByTagNameNS(ns, name)) as unknown as Element[];
/** An element's text; a federation's C1 control characters (XML 1.0 allows them) are dropped (X3.3). */
const text = (element: Element | undefined) => withoutControlCharacters(element?.textContent ?? '').trim();

/** mdui:DisplayName by language, falling back to the organisation's display name, then the entity ID. */
function displayNames(entity: Element, idp: Element): { ja: string; en: string } {
  const names = new Map<string, string>();
  const ui = descendants(idp, NS.mdui, 'UIInfo')[0];
  const org = childrenNS(entity, NS.md, 'Organization')[0];
  const candidates = [
    ...(ui ? childrenNS(ui, NS.mdui, 'DisplayName') : []),
    ...(org ? childrenNS(org, NS.md, 'OrganizationDisplayName') : []),
  ];
  for (const element of candidates) {
    const lang = element.getAttribute('xml:lang') ?? '';
    if (!names.has(lang) && text(element)) names.set(lang, text(element));
  }
  const fallback = names.get('en') ?? names.get('ja') ?? [...names.values()][0] ?? entity.getAttribute('entityID') ?? '';
  return { ja: names.get('ja') ?? fallback, en: names.get('en') ?? fallback };
}

/** The first logo that a page may show: an https URL, or an embedded PNG, GIF or JPEG (never SVG). */
function logoOf(idp: Element): string {
  const logos = descendants(idp, NS.mdui, 'Logo').map(text);
  return (
    logos.find(
      (logo) => /^https:\/\/[^\s"<>]+$/.test(logo) || /^data:image\/(png|gif|jpeg);base64,[A-Za-z0-9+/=]+$/.test(logo),
    ) ?? ''
  );
}

function entityAttributes(entity: Element): string[] {
  const pairs = new Set<string>();
  for (const container of descendants(entity, NS.mdattr, 'EntityAttributes')) {
    for (const attribute of childrenNS(container, NS.saml, 'Attribute')) {
      for (const value of childrenNS(attribute, NS.saml, 'AttributeValue'))
        pairs.add(`${attribute.getAttribute('Name')}=${text(value)}`);
    }
  }
  return [...pairs];
}

/** The IdP role of an entity, when it can serve our logins: SAML 2.0, a signing key, a sign-on endpoint. */
function usableIdp(entity: Element): { idp: Element; binding: 'redirect' | 'post' } | undefined {
  const idp = childrenNS(entity, NS.md, 'IDPSSODescriptor').find((role) =>
    (role.getAttribute('protocolSupportEnumeration') ?? '').split(/\s+/).includes(SAML2),
  );
  if (!idp) return undefined;
  const signing = childrenNS(idp, NS.md, 'KeyDescriptor').some(
    (key) => key.getAttribute('use') !== 'encryption' && descendants(key, NS.ds, 'X509Certificate').length > 0,
  );
  const bindings = childrenNS(idp, NS.md, 'SingleSignOnService').map((sso) => sso.getAttribute('Binding'));
  const binding = bindings.includes(BINDINGS.redirect) ? 'redirect' : bindings.includes(BINDINGS.post) ? 'post' : undefined;
  return signing && binding ? { idp, binding } : undefined;
}

function readIdp(entity: Element, serializer: XMLSerializer): FederationIdp | undefined {
  const entityId = entity.getAttribute('entityID') ?? '';
  const usable = entityId ? usableIdp(entity) : undefined;
  if (!usable) return undefined;
  const { idp, binding } = usable;
  const scopes = [...childrenNS(entity, NS.md, 'Extensions'), ...childrenNS(idp, NS.md, 'Extensions')].flatMap((ext) =>
    childrenNS(ext, NS.shibmd, 'Scope'),
  );
  const metadataXml = serializer.serializeToString(entity as unknown as Node);
  return {
    entityId,
    key: entityKey(entityId),
    digest: createHash('sha256').update(metadataXml).digest('base64url'),
    metadataXml,
    displayName: displayNames(entity, idp),
    logo: logoOf(idp),
    scopes: scopes.filter((s) => s.getAttribute('regexp') !== 'true').map(text),
    scopeRegexps: scopes.filter((s) => s.getAttribute('regexp') === 'true').map(text),
    entityAttributes: entityAttributes(entity),
    registrationAuthority: descendants(entity, NS.mdrpi, 'RegistrationInfo')[0]?.getAttribute('registrationAuthority') ?? '',
    binding,
  };
}

/** The IdP of one entity, when it can serve a SAML 2.0 login and its own validUntil (if any) has not passed. */
export function idpOfEntity(entity: Element, now: Date, serializer = new XMLSerializer()): FederationIdp | undefined {
  const validUntil = entity.getAttribute('validUntil');
  if (validUntil && new Date(validUntil) <= now) return undefined;
  return readIdp(entity, serializer);
}

/** The IdP of one entity's metadata (an operator's import) as an aggregate's is read; undefined when it has none. */
export function idpOfMetadata(xml: string): FederationIdp | undefined {
  const root = new DOMParser({ errorHandler: { warning: () => {}, error: () => {}, fatalError: () => {} } }).parseFromString(
    xml,
    'text/xml',
  ).documentElement as unknown as Element | null;
  const entities = root?.localName === 'EntityDescriptor' ? [root] : root ? descendants(root, NS.md, 'EntityDescriptor') : [];
  return entities.map((entity) => idpOfEntity(entity, new Date())).find(Boolean);
}
