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
/** Per university: each IdP its trusts admit, with the federations that list it (validity is checked at read). */
const choices = new StampedCache<Array<FederationChoice & { federationIds: string[] }>>();
/** Per university and slug: the IdP as each trust admitting it would have it used, in trust order. */
const resolved = new StampedCache<SamlIdp[]>();

const tenantTrusts = async (tenantId: string) =>
  (await trustsOf.get(tenantId, () =>
    FederationTrustModel.find({ tenantId }).sort({ createdAt: 1 }).lean<FederationTrust[]>(),
  )) ?? [];

/**
 * Whether a federation's accepted aggregate is still valid; an expired one trusts nobody until
 * refreshed. Checked on every read, not cached with what the federation admits: an aggregate
 * expires without any write that would drop the caches.
 */
async function isValid(id: string): Promise<boolean> {
  const federation = await federations.get(id, () => FederationModel.findById(id).lean<Federation>());
  return Boolean(federation?.validUntil && federation.validUntil > new Date());
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

/** Every IdP the university's trusts admit, once each, in name order, with the federations listing it. */
async function admittedChoices(tenantId: string) {
  const seen = new Map<string, FederationChoice & { federationIds: string[] }>();
  for (const trust of await tenantTrusts(tenantId)) {
    const idps = await FederationIdpModel.find(admitted(trust), { entityId: 1, key: 1, displayName: 1, logo: 1, scopes: 1 })
      .lean<FederationIdpDoc[]>()
      .exec();
    for (const { entityId, key, displayName, logo, scopes } of idps) {
      const slug = `${FEDERATION_SLUG_PREFIX}${key}`;
      const names = { ja: displayName?.ja || entityId, en: displayName?.en || entityId };
      const choice = seen.get(slug) ?? { slug, entityId, displayName: names, logo, scopes, federationIds: [] };
      choice.federationIds.push(trust.federationId);
      seen.set(slug, choice);
    }
  }
  return [...seen.values()].sort((a, b) => a.displayName.en.localeCompare(b.displayName.en));
}

/** Requirement X2.2. The federation IdPs a university's students may choose now: admitted, of a valid aggregate. */
export async function federationChoices(tenantId: string): Promise<FederationChoice[]> {
  const all = (await choices.get(tenantId, () => admittedChoices(tenantId))) ?? [];
  const valid = new Map<string, boolean>();
  for (const id of new Set(all.flatMap((choice) => choice.federationIds))) valid.set(id, await isValid(id));
  return all
    .filter((choice) => choice.federationIds.some((id) => valid.get(id)))
    .map(({ federationIds: _, ...choice }) => choice);
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
  const key = slug.slice(FEDERATION_SLUG_PREFIX.length);
  const candidates = await resolved.get(`${tenantId}:${slug}`, async () => {
    const found: SamlIdp[] = [];
    for (const trust of await tenantTrusts(tenantId)) {
      const idp = await FederationIdpModel.findOne({ ...admitted(trust), _id: `${trust.federationId}|${key}` })
        .lean<FederationIdpDoc>()
        .exec();
      if (idp) found.push(asSamlIdp(tenantId, slug, idp, trust));
    }
    // None is not kept (StampedCache keeps no misses): made-up slugs in URLs must not fill the cache.
    return found.length ? found : undefined;
  });
  for (const idp of candidates ?? []) if (await isValid(idp.federationId)) return idp;
  return undefined;
}
