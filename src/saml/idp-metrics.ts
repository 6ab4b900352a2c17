import { X509Certificate } from 'node:crypto';
import client from 'prom-client';
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
 * Seconds until the last certificate in each enabled IdP's metadata expires (by university and IdP
 * slug, both set by operators): when it runs out, that university's sign-in stops verifying.
 */
export function registerIdpMetrics(): void {
  if (registry.getSingleMetric('cert_idp_saml_idp_certificate_expiry_seconds')) return;
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
