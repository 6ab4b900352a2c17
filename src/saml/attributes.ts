/**
 * Requirement X2.5. Attribute names as federations send them: `urn:oid:` names (the SAML V2.0 attribute profile
 * of eduPerson, and GakuNin's ja* attributes), known here by the friendly names our mappings use.
 */
export const OID_NAMES: Record<string, string> = {
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.6': 'eduPersonPrincipalName',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.10': 'eduPersonTargetedID',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.1': 'eduPersonAffiliation',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.9': 'eduPersonScopedAffiliation',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.7': 'eduPersonEntitlement',
  'urn:oid:0.9.2342.19200300.100.1.3': 'mail',
  'urn:oid:0.9.2342.19200300.100.1.1': 'uid',
  'urn:oid:2.5.4.4': 'sn',
  'urn:oid:2.5.4.42': 'givenName',
  'urn:oid:2.5.4.3': 'cn',
  'urn:oid:2.16.840.1.113730.3.1.241': 'displayName',
  'urn:oid:2.16.840.1.113730.3.1.3': 'employeeNumber',
  'urn:oid:2.5.4.10': 'o',
  'urn:oid:2.5.4.11': 'ou',
  'urn:oid:1.3.6.1.4.1.25178.1.2.14': 'schacPersonalUniqueCode',
  // GakuNin (NII): names in Japanese.
  'urn:oid:1.3.6.1.4.1.32264.1.1.1': 'jasn',
  'urn:oid:1.3.6.1.4.1.32264.1.1.2': 'jaGivenName',
  'urn:oid:1.3.6.1.4.1.32264.1.1.3': 'jaDisplayName',
  'urn:oid:1.3.6.1.4.1.32264.1.1.4': 'jao',
  'urn:oid:1.3.6.1.4.1.32264.1.1.5': 'jaou',
  // SAML V2.0 Subject Identifier Attributes Profile.
  'urn:oasis:names:tc:SAML:attribute:subject-id': 'subject-id',
  'urn:oasis:names:tc:SAML:attribute:pairwise-id': 'pairwise-id',
};

const SCOPED = new Set(['eduPersonPrincipalName', 'eduPersonScopedAffiliation', 'subject-id', 'pairwise-id']);

/**
 * Whether an attribute's values end in `@scope`, which must be one of the IdP's shibmd:Scope: by its
 * friendly name or its urn:oid name, so a mapping naming either is checked alike.
 */
export const isScoped = (name: string) => SCOPED.has(OID_NAMES[name] ?? name);

/**
 * The default mapping for an IdP of a federation: the most privacy-preserving stable identifier
 * the IdP releases (pairwise-id, subject-id, eduPersonTargetedID, then eduPersonPrincipalName),
 * GakuNin's Japanese names, and the student number where the federation releases one.
 */
export const FEDERATION_MAPPING = {
  subject: 'pairwise-id subject-id eduPersonTargetedID eduPersonPrincipalName',
  studentId: 'studentNumber schacPersonalUniqueCode',
  familyName: 'jasn',
  givenName: 'jaGivenName',
  familyNameRoman: 'sn',
  givenNameRoman: 'givenName',
  email: 'mail',
  affiliation: 'eduPersonAffiliation eduPersonScopedAffiliation',
};

/** The names an attribute is known by: its Name, its FriendlyName, and the friendly name of its OID. */
export function attributeNames(name: string, friendlyName: string): string[] {
  return [...new Set([name, friendlyName, OID_NAMES[name] ?? ''].filter(Boolean))];
}

/** True when `value@scope`'s scope is one the IdP declared (literal, or a regular expression matching all of it). */
export function inScope(value: string, idp: { scopes?: string[]; scopeRegexps?: string[] }): boolean {
  const at = value.lastIndexOf('@');
  if (at <= 0) return false;
  const scope = value.slice(at + 1).toLowerCase();
  if ((idp.scopes ?? []).some((s) => s.toLowerCase() === scope)) return true;
  return (idp.scopeRegexps ?? []).some((pattern) => {
    try {
      return new RegExp(`^(?:${pattern})$`, 'i').test(scope);
    } catch {
      return false;
    }
  });
}
