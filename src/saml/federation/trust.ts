import type { QueryFilter } from 'mongoose';
import { StampedCache } from '../../db/change-stamp.ts';
import {
  type Federation,
  type FederationIdpDoc,
  FederationIdpModel,
  FederationModel,
  type FederationTrust,
  FederationTrustModel,
} from '../../db/models/federation.ts';
import type { SamlIdp } from '../../db/models/saml.ts';

/** Slugs of federation IdPs: `fed-` and the entity's key, so they never meet an operator's slug. */
export const FEDERATION_SLUG_PREFIX = 'fed-';

/** A federation IdP as the discovery page shows it (no metadata). */
export interface FederationChoice {
  slug: string;
  entityId: string;
  displayName: { ja: string; en: string };
  logo: string;
  scopes: string[];
}

const trustsOf = new StampedCache<FederationTrust[]>();
const federations = new StampedCache<Federation>();
const choices = new StampedCache<FederationChoice[]>();
const resolved = new StampedCache<SamlIdp>();

const tenantTrusts = async (tenantId: string) =>
  (await trustsOf.get(tenantId, () =>
    FederationTrustModel.find({ tenantId }).sort({ createdAt: 1 }).lean<FederationTrust[]>(),
  )) ?? [];

/** A federation whose accepted aggregate is still valid; an expired one trusts nobody until refreshed. */
async function validFederation(id: string): Promise<Federation | undefined> {
  const federation = await federations.get(id, () => FederationModel.findById(id).lean<Federation>());
  return federation?.validUntil && federation.validUntil > new Date() ? federation : undefined;
}

/** The stored IdPs of the federation a trust admits. */
function admitted(trust: FederationTrust): QueryFilter<FederationIdpDoc> {
  if (!trust.all) return { federationId: trust.federationId, entityId: { $in: trust.entityIds } };
  return {
    federationId: trust.federationId,
    ...(trust.entityAttributes.length ? { entityAttributes: { $all: trust.entityAttributes } } : {}),
    ...(trust.registrationAuthorities.length ? { registrationAuthority: { $in: trust.registrationAuthorities } } : {}),
  };
}

/** Requirement X2.2. The federation IdPs a university's students may choose, without duplicates, in name order. */
export async function federationChoices(tenantId: string): Promise<FederationChoice[]> {
  const found = await choices.get(tenantId, async () => {
    const seen = new Map<string, FederationChoice>();
    for (const trust of await tenantTrusts(tenantId)) {
      if (!(await validFederation(trust.federationId))) continue;
      const idps = await FederationIdpModel.find(admitted(trust), { entityId: 1, key: 1, displayName: 1, logo: 1, scopes: 1 })
        .lean<FederationIdpDoc[]>()
        .exec();
      for (const { entityId, key, displayName, logo, scopes } of idps) {
        const slug = `${FEDERATION_SLUG_PREFIX}${key}`;
        const names = { ja: displayName?.ja || entityId, en: displayName?.en || entityId };
        if (!seen.has(slug)) seen.set(slug, { slug, entityId, displayName: names, logo, scopes });
      }
    }
    return [...seen.values()].sort((a, b) => a.displayName.en.localeCompare(b.displayName.en));
  });
  return found ?? [];
}

/** The IdP as a login uses it: keys and endpoints of the current aggregate, mapping of the university's trust. */
function asSamlIdp(tenantId: string, slug: string, idp: FederationIdpDoc, trust: FederationTrust): SamlIdp {
  const now = new Date();
  return {
    _id: `${tenantId}:${slug}`,
    tenantId,
    slug,
    displayName: idp.displayName,
    entityId: idp.entityId,
    metadataXml: idp.metadataXml,
    metadataUrl: '',
    binding: idp.binding,
    mapping: trust.mapping,
    allowedAffiliations: trust.allowedAffiliations,
    enabled: true,
    scopes: idp.scopes,
    scopeRegexps: idp.scopeRegexps,
    federationId: trust.federationId,
    createdAt: now,
    updatedAt: now,
  } as SamlIdp;
}

/** A federation IdP by its slug, if a trust of the university admits it and its federation is valid. */
export async function findFederationIdp(tenantId: string, slug: string): Promise<SamlIdp | undefined> {
  if (!slug.startsWith(FEDERATION_SLUG_PREFIX)) return undefined;
  const key = slug.slice(FEDERATION_SLUG_PREFIX.length);
  return resolved.get(`${tenantId}:${slug}`, async () => {
    for (const trust of await tenantTrusts(tenantId)) {
      if (!(await validFederation(trust.federationId))) continue;
      const idp = await FederationIdpModel.findOne({ ...admitted(trust), _id: `${trust.federationId}|${key}` })
        .lean<FederationIdpDoc>()
        .exec();
      if (idp) return asSamlIdp(tenantId, slug, idp, trust);
    }
    return undefined;
  });
}
