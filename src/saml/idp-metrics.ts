import { X509Certificate } from 'node:crypto';
import client from 'prom-client';
import { FederationModel } from '../db/models/federation.ts';
import { type SamlIdp, SamlIdpModel } from '../db/models/saml.ts';
import { registry } from '../metrics.ts';

/** The certificates an IdP's metadata carries (its signing keys), as X.509 objects; unreadable ones left out. */
function certificates(metadataXml: string): X509Certificate[] {
  const found = metadataXml.matchAll(/<(?:\w+:)?X509Certificate>\s*([A-Za-z0-9+/=\s]+?)\s*<\/(?:\w+:)?X509Certificate>/g);
  return [...found].flatMap(([, base64]) => {
    try {
      return [new X509Certificate(Buffer.from((base64 ?? '').replace(/\s+/g, ''), 'base64'))];
    } catch {
      return [];
    }
  });
}

/**
 * Per federation: seconds until the aggregate in use stops being valid (negative once it has:
 * its IdPs are no longer offered), and whether the last fetched copy was refused.
 */
function registerFederationMetrics(): void {
  const federations = () => FederationModel.find({}, { validUntil: 1, lastError: 1 }).lean();
  new client.Gauge({
    name: 'cert_idp_saml_federation_valid_seconds',
    help: 'Seconds until the federation metadata aggregate in use expires',
    labelNames: ['federation'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const f of await federations()) {
        this.set({ federation: f._id }, f.validUntil ? (f.validUntil.getTime() - Date.now()) / 1000 : -1);
      }
    },
  });
  new client.Gauge({
    name: 'cert_idp_saml_federation_refused',
    help: '1 when the last fetched copy of the federation aggregate was refused (the last good one stays in use)',
    labelNames: ['federation'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const f of await federations()) this.set({ federation: f._id }, f.lastError ? 1 : 0);
    },
  });
}

/**
 * Seconds until the last certificate in each enabled IdP's metadata expires (by university and IdP
 * slug, both set by operators): when it runs out, that university's sign-in stops verifying.
 */
export function registerIdpMetrics(): void {
  if (registry.getSingleMetric('cert_idp_saml_idp_certificate_expiry_seconds')) return;
  registerFederationMetrics();
  new client.Gauge({
    name: 'cert_idp_saml_idp_certificate_expiry_seconds',
    help: 'Seconds until the newest certificate in a university IdP metadata expires',
    labelNames: ['tenant', 'idp'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const idps = await SamlIdpModel.find({ enabled: true }, { tenantId: 1, slug: 1, metadataXml: 1 }).lean<SamlIdp[]>();
      for (const idp of idps) {
        const until = Math.max(...certificates(idp.metadataXml).map((cert) => Date.parse(cert.validTo)));
        if (Number.isFinite(until)) this.set({ tenant: idp.tenantId, idp: idp.slug }, (until - Date.now()) / 1000);
      }
    },
  });
}
