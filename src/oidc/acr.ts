/** Authentication context classes this provider can assert (documented in docs/relying-parties.md). */
export const ACR = {
  passwordAndSecondPassword: 'urn:cert-idp:acr:password+second-password',
  saml: 'urn:cert-idp:acr:saml',
  samlAndSecondPassword: 'urn:cert-idp:acr:saml+second-password',
  /** A passkey with user verification (phishing-resistant). */
  passkey: 'urn:cert-idp:acr:passkey',
  /** A student: the university's sign-in, then a passkey of this service. */
  samlAndPasskey: 'urn:cert-idp:acr:saml+passkey',
} as const;

/** RFC 8176 method references: `pwd` for the password, `kba` for the second (knowledge-based) one. */
export const AMR = {
  passwordAndSecondPassword: ['pwd', 'kba'],
  /** `saml`: not in RFC 8176's registry; names the federated university sign-in as the method. */
  saml: ['saml'],
  samlAndSecondPassword: ['saml', 'kba'],
  /** RFC 8176: a hardware-secured key, and the person's presence (verified by biometrics or PIN). */
  passkey: ['hwk', 'user'],
  samlAndPasskey: ['saml', 'hwk', 'user'],
} as const;
