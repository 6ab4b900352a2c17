import { type AttributeMapping, type SamlIdp, SamlIdpModel } from '../db/models/saml.ts';
import { messageOf } from '../errors.ts';
import { idpOfMetadata } from '../saml/federation/entities.ts';
import { FEDERATION_SLUG_PREFIX } from '../saml/federation/trust.ts';
import { idpEntity } from '../saml/service-provider.ts';
import { xmlHazard } from '../saml/xml-hazard.ts';
import { OperatorError } from './errors.ts';
import { requireTenant } from './tenants.ts';

export interface IdpImport {
  tenantId: string;
  slug: string;
  nameJa: string;
  nameEn: string;
  /** The IdP's metadata XML, or a URL to fetch it from (kept, so a later import can refresh it). */
  metadataXml?: string;
  metadataUrl?: string;
  binding?: 'redirect' | 'post';
  mapping?: Partial<AttributeMapping>;
  allowedAffiliations?: string[];
  /** Where the metadata URL may lead (the console: public addresses only); the operator's CLI any. */
  mayFetch?: (url: string) => Promise<boolean>;
}

export const MAPPING_KEYS = [
  'subject',
  'studentId',
  'familyName',
  'givenName',
  'familyNameRoman',
  'givenNameRoman',
  'email',
  'affiliation',
];

async function fetchMetadata(url: string, mayFetch?: (url: string) => Promise<boolean>): Promise<string> {
  if (!/^https?:\/\/\S+$/.test(url)) throw new OperatorError('--metadata-url must be an http(s) URL');
  if (mayFetch && !(await mayFetch(url))) throw new OperatorError(`${url} is not on the public internet`);
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) }).catch((error: Error) => {
    throw new OperatorError(`cannot fetch ${url}: ${error.message}`);
  });
  if (!response.ok) throw new OperatorError(`cannot fetch ${url}: HTTP ${response.status}`);
  return response.text();
}

/** The entity ID and scopes of IdP metadata, after checking it has a signing key and a sign-on endpoint. */
function checkMetadata(xml: string, binding: 'redirect' | 'post') {
  const hazard = xmlHazard(xml, { comments: true });
  if (hazard) throw new OperatorError(`metadata refused: ${hazard}`);
  let entity: ReturnType<typeof idpEntity>;
  try {
    entity = idpEntity({ metadataXml: xml });
  } catch (error) {
    throw new OperatorError(`not SAML IdP metadata: ${messageOf(error)}`);
  }
  const entityId = entity.entityMeta.getEntityID();
  if (!entityId) throw new OperatorError('the metadata has no entityID');
  if (!entity.entityMeta.getX509Certificate('signing')) throw new OperatorError('the metadata has no signing certificate');
  // samlify names bindings "redirect" / "post"; an unknown one gives back every service (not a string).
  if (typeof entity.entityMeta.getSingleSignOnService(binding) !== 'string') {
    throw new OperatorError(
      `the IdP has no SingleSignOnService for the HTTP-${binding === 'post' ? 'POST' : 'Redirect'} binding`,
    );
  }
  const read = idpOfMetadata(xml);
  return { entityId, scopes: read?.scopes ?? [], scopeRegexps: read?.scopeRegexps ?? [] };
}

/**
 * Adds a university IdP, or refreshes one (same tenant and slug) with new metadata or settings.
 * Everything is checked before anything is written.
 */
export async function importIdp(input: IdpImport): Promise<SamlIdp> {
  await requireTenant(input.tenantId);
  if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(input.slug) || input.slug.startsWith(FEDERATION_SLUG_PREFIX))
    throw new OperatorError(`--slug must be 1-32 lower-case letters, digits or "-", not starting "${FEDERATION_SLUG_PREFIX}"`);
  const id = `${input.tenantId}:${input.slug}`;
  const existing = await SamlIdpModel.findById(id).lean<SamlIdp>();
  const metadataUrl = input.metadataUrl ?? existing?.metadataUrl ?? '';
  const metadataXml =
    input.metadataXml ?? (metadataUrl ? await fetchMetadata(metadataUrl, input.mayFetch) : existing?.metadataXml);
  if (!metadataXml) throw new OperatorError('give --metadata-file or --metadata-url');
  const binding = input.binding ?? (existing?.binding as 'redirect' | 'post' | undefined) ?? 'redirect';
  const { entityId, scopes, scopeRegexps } = checkMetadata(metadataXml, binding);
  for (const key of Object.keys(input.mapping ?? {})) {
    if (!MAPPING_KEYS.includes(key)) throw new OperatorError(`unknown mapping "${key}" (mappings: ${MAPPING_KEYS.join(', ')})`);
  }
  const displayName = {
    ja: input.nameJa || existing?.displayName?.ja || '',
    en: input.nameEn || existing?.displayName?.en || '',
  };
  if (!displayName.ja || !displayName.en) throw new OperatorError('--name-ja and --name-en are required for a new IdP');
  const mapping = { ...(existing?.mapping ?? {}), ...(input.mapping ?? {}) };
  const doc = {
    _id: id,
    tenantId: input.tenantId,
    slug: input.slug,
    displayName,
    entityId,
    metadataXml,
    metadataUrl,
    binding,
    mapping,
    allowedAffiliations: input.allowedAffiliations ?? existing?.allowedAffiliations ?? [],
    enabled: existing?.enabled ?? true,
    scopes,
    scopeRegexps,
  };
  await SamlIdpModel.replaceOne({ _id: id }, doc, { upsert: true, runValidators: true });
  return (await SamlIdpModel.findById(id).lean<SamlIdp>()) as SamlIdp;
}

export async function setIdpEnabled(tenantId: string, slug: string, enabled: boolean): Promise<void> {
  const result = await SamlIdpModel.updateOne({ _id: `${tenantId}:${slug}` }, { $set: { enabled } });
  if (result.matchedCount === 0) throw new OperatorError(`no IdP "${slug}" at tenant ${tenantId}`);
}

export function listIdps(tenantId: string) {
  return SamlIdpModel.find({ tenantId }).sort({ createdAt: 1 }).lean<SamlIdp[]>();
}

/** An attribute list of a mapping: "nameid" or attribute names (friendly or urn:oid:), space-separated. */
const MAPPING_VALUE = /^(?:[A-Za-z0-9:._-]{1,200})(?:\s+[A-Za-z0-9:._-]{1,200})*$/;

/**
 * What is wrong with a mapping or an affiliation list a university gives, by field (the console's
 * form: `map-<key>`, `affiliations`), as a message id (console.idps.errors.*) and English for the CLI.
 */
export function idpSettingProblems(settings: { mapping: Partial<AttributeMapping>; allowedAffiliations: string[] }) {
  const problems: Array<{ field: string; key: string; text: string }> = [];
  for (const [key, value] of Object.entries(settings.mapping)) {
    if (!MAPPING_KEYS.includes(key))
      problems.push({ field: `map-${key}`, key: 'unknownMapping', text: `unknown mapping "${key}"` });
    else if (value && !MAPPING_VALUE.test(value))
      problems.push({
        field: `map-${key}`,
        key: 'attributeNames',
        text: `mapping ${key} must be attribute names separated by spaces`,
      });
  }
  for (const affiliation of settings.allowedAffiliations) {
    if (!/^[a-z-]{1,40}$/.test(affiliation))
      problems.push({
        field: 'affiliations',
        key: 'affiliation',
        text: `"${affiliation}" is not an affiliation value (e.g. student)`,
      });
  }
  return problems;
}

/**
 * Changes an IdP's attribute mapping (an empty value returns to the default) and allowed affiliations;
 * false for no such IdP of the university. Checked by idpSettingProblems first.
 */
export async function configureIdp(
  tenantId: string,
  slug: string,
  settings: { mapping: Partial<AttributeMapping>; allowedAffiliations: string[] },
): Promise<boolean> {
  const [problem] = idpSettingProblems(settings);
  if (problem) throw new OperatorError(problem.text);
  const defaults = new SamlIdpModel({}).toObject().mapping as AttributeMapping;
  const mapping = Object.fromEntries(
    MAPPING_KEYS.map((key) => [key, settings.mapping[key as keyof AttributeMapping] || defaults[key as keyof AttributeMapping]]),
  );
  const { matchedCount } = await SamlIdpModel.updateOne(
    { _id: `${tenantId}:${slug}`, tenantId },
    { $set: { mapping, allowedAffiliations: settings.allowedAffiliations } },
  );
  return matchedCount > 0;
}
