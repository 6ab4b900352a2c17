/** The XML namespaces of SAML metadata and the extensions federations publish (mdui, shibmd, mdattr, mdrpi). */
export const METADATA_NS = {
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  mdui: 'urn:oasis:names:tc:SAML:metadata:ui',
  shibmd: 'urn:mace:shibboleth:metadata:1.0',
  mdattr: 'urn:oasis:names:tc:SAML:metadata:attribute',
  mdrpi: 'urn:oasis:names:tc:SAML:metadata:rpi',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
} as const;

/** `xmlns:prefix="uri"` declarations of the given prefixes, for the root of a document we write. */
export const declarations = (...prefixes: Array<keyof typeof METADATA_NS>) =>
  prefixes.map((prefix) => `xmlns:${prefix}="${METADATA_NS[prefix]}"`).join(' ');
