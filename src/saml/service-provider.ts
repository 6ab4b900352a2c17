import samlify from 'samlify';
import type { SamlIdp } from '../db/models/saml.ts';
import type { SpKey } from './sp-keys.ts';

// Every inbound message is validated against the SAML schemas (xmllint compiled to WASM, no Java).
// The validator (about 35 MB) is loaded with the first SAML message, not by every process at start.
// Each validation instantiates the WASM module, which adds a process-wide uncaughtException listener
// (Emscripten's); it is removed again so listeners do not pile up with every login.
samlify.setSchemaValidator({
  async validate(xml: string) {
    const xmllint = await import('@authenio/samlify-node-xmllint');
    const before = new Set(process.listeners('uncaughtException'));
    try {
      return await xmllint.validate(xml);
    } finally {
      for (const listener of process.listeners('uncaughtException')) {
        if (!before.has(listener)) process.off('uncaughtException', listener);
      }
    }
  },
});

const BINDING = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

export type SpEntity = ReturnType<typeof samlify.ServiceProvider>;
export type IdpEntity = ReturnType<typeof samlify.IdentityProvider>;

/**
 * Our side of SAML: one service provider per university (its own entity ID and ACS URL under
 * /t/:tenant/saml), sharing the SP keys of keys/saml-sp.json.
 */
export class ServiceProviders {
  readonly issuer: string;
  readonly keys: SpKey[];
  readonly clockSkewMs: number;

  constructor(issuer: string, keys: SpKey[], clockSkewSeconds: number) {
    this.issuer = issuer;
    this.keys = keys;
    this.clockSkewMs = clockSkewSeconds * 1000;
  }

  base(tenantId: string): string {
    return `${this.issuer}/t/${tenantId}/saml`;
  }

  entityId(tenantId: string): string {
    return `${this.base(tenantId)}/metadata`;
  }

  acsUrl(tenantId: string): string {
    return `${this.base(tenantId)}/acs`;
  }

  sloUrl(tenantId: string): string {
    return `${this.base(tenantId)}/slo`;
  }

  /** The SP entity; `decryptWith` picks which published key decrypts (any of them may have been used). */
  entity(tenantId: string, decryptWith: SpKey = this.signingKey()): SpEntity {
    const certificates = this.keys.map((key) => key.certificate);
    return samlify.ServiceProvider({
      entityID: this.entityId(tenantId),
      authnRequestsSigned: true,
      wantAssertionsSigned: true,
      signingCert: certificates,
      encryptCert: certificates,
      privateKey: this.signingKey().privateKey,
      encPrivateKey: decryptWith.privateKey,
      requestSignatureAlgorithm: RSA_SHA256,
      nameIDFormat: ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'],
      assertionConsumerService: [{ Binding: BINDING.post, Location: this.acsUrl(tenantId) }],
      singleLogoutService: [
        { Binding: BINDING.redirect, Location: this.sloUrl(tenantId) },
        { Binding: BINDING.post, Location: this.sloUrl(tenantId) },
      ],
      clockDrifts: [-this.clockSkewMs, this.clockSkewMs],
      wantLogoutRequestSigned: true,
      wantLogoutResponseSigned: true,
    });
  }

  signingKey(): SpKey {
    return this.keys[0] as SpKey;
  }
}

/** The university IdP as samlify sees it; `encrypted` when the response carries an EncryptedAssertion. */
export function idpEntity(idp: Pick<SamlIdp, 'metadataXml'>, encrypted = false): IdpEntity {
  const entity = samlify.IdentityProvider({
    metadata: idp.metadataXml,
    wantAuthnRequestsSigned: true,
    isAssertionEncrypted: encrypted,
    requestSignatureAlgorithm: RSA_SHA256,
  });
  // We sign every AuthnRequest, also for IdPs whose metadata does not ask for it (many Shibboleth
  // IdPs): samlify would otherwise refuse the mismatch between the two flags.
  entity.entityMeta.isWantAuthnRequestsSigned = () => true;
  return entity;
}
