import { enabledIdps, findIdp } from '../db/lookups.ts';
import type { SamlIdp } from '../db/models/saml.ts';
import { entityKey } from './federation/entities.ts';
import { FEDERATION_SLUG_PREFIX, federationChoices, findFederationIdp } from './federation/trust.ts';

/** An IdP a student may choose: the university's own (imported by the operator) or a federation's. */
export interface IdpChoice {
  slug: string;
  displayName: { ja: string; en: string };
  logo: string;
  /** What the discovery page searches besides the names: entity ID and scopes. */
  keywords: string;
}

/** The university's own enabled IdPs first, in the order the operator added them, then its federations'. */
export async function idpChoices(tenantId: string): Promise<IdpChoice[]> {
  const own = (await enabledIdps(tenantId)).map((idp) => ({
    slug: idp.slug,
    displayName: { ja: idp.displayName?.ja ?? idp.slug, en: idp.displayName?.en ?? idp.slug },
    logo: '',
    keywords: idp.entityId,
  }));
  const federated = (await federationChoices(tenantId)).map((idp) => ({
    slug: idp.slug,
    displayName: idp.displayName,
    logo: idp.logo,
    keywords: [idp.entityId, ...idp.scopes].join(' '),
  }));
  return [...own, ...federated];
}

/** An IdP by `${tenantId}:${slug}`, as the university may use it now (own and enabled, or federated and admitted). */
export async function findStudentIdp(id: string): Promise<SamlIdp | undefined> {
  const at = id.indexOf(':');
  const [tenantId, slug] = [id.slice(0, at), id.slice(at + 1)];
  if (slug.startsWith(FEDERATION_SLUG_PREFIX)) return findFederationIdp(tenantId, slug);
  const idp = await findIdp(id);
  return idp?.enabled ? idp : undefined;
}

/** The university's IdP with this entity ID (single logout names the IdP by its issuer). */
export async function idpByEntityId(tenantId: string, entityId: string): Promise<SamlIdp | undefined> {
  const own = (await enabledIdps(tenantId)).find((idp) => idp.entityId === entityId);
  return own ?? findFederationIdp(tenantId, `${FEDERATION_SLUG_PREFIX}${entityKey(entityId)}`);
}
