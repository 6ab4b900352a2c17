import { FederationModel } from '../../db/models/federation.ts';

/**
 * Readiness of the federations (`/readyz` → `federations`): each one's validity and last refusal.
 * A refused refresh (`federation-refused`: the last good copy is still in use) or an aggregate that
 * expired without a good successor (`federation-expired`: its IdPs are not offered) makes the
 * service `degraded`, not unavailable: graduates and the universities' own IdPs still log in.
 */
export async function federationReadiness() {
  const now = new Date();
  const federations = await FederationModel.find(
    {},
    { validUntil: 1, idpCount: 1, lastError: 1, lastErrorAt: 1, acceptedAt: 1, checkedAt: 1 },
  ).lean();
  const reasons = new Set<string>();
  const detail = federations.map((f) => {
    const expired = !f.validUntil || f.validUntil <= now;
    if (expired) reasons.add('federation-expired');
    if (f.lastError) reasons.add('federation-refused');
    return {
      id: f._id,
      validUntil: f.validUntil ?? null,
      idps: f.idpCount,
      checkedAt: f.checkedAt ?? null,
      lastError: f.lastError || null,
      lastErrorAt: f.lastErrorAt ?? null,
    };
  });
  return { name: 'federations', detail, reasons: [...reasons] };
}
