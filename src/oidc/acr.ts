/** Authentication context classes this provider can assert (documented in docs/relying-parties.md). */
export const ACR = {
  /** A graduate's first login: the initial password only (the second password is set after it). */
  password: 'urn:cert-idp:acr:password',
  passwordAndSecondPassword: 'urn:cert-idp:acr:password+second-password',
  saml: 'urn:cert-idp:acr:saml',
  samlAndSecondPassword: 'urn:cert-idp:acr:saml+second-password',
  /** A passkey with user verification (phishing-resistant). */
  passkey: 'urn:cert-idp:acr:passkey',
  /** A student: the university's sign-in, then a passkey of this service. */
  samlAndPasskey: 'urn:cert-idp:acr:saml+passkey',
} as const;

/**
 * What a login completed, as RFC 8176 method references: `pwd` the password, `kba` the second
 * (knowledge-based) password, `hwk` and `user` a passkey with the person verified, `mfa` the
 * university's own multi-factor sign-in where its assertion says so; `saml` (not in RFC 8176's
 * registry) the federated university sign-in itself.
 */
export type Method = 'pwd' | 'kba' | 'hwk' | 'user' | 'saml' | 'mfa';

/**
 * Requirement X3.6: the acr and amr of a login, from the methods it actually completed (the way
 * Kratos derives its assurance level from the completed methods), never from the university's
 * settings. The amr lists those methods in a fixed order.
 */
export function assurance(methods: readonly Method[]): { acr: string; amr: Method[] } {
  const has = (method: Method) => methods.includes(method);
  const amr = (['saml', 'mfa', 'pwd', 'kba', 'hwk', 'user'] as const).filter(has);
  if (has('saml')) {
    if (has('hwk')) return { acr: ACR.samlAndPasskey, amr };
    return { acr: has('kba') ? ACR.samlAndSecondPassword : ACR.saml, amr };
  }
  if (has('hwk')) return { acr: ACR.passkey, amr };
  return { acr: has('kba') ? ACR.passwordAndSecondPassword : ACR.password, amr };
}
