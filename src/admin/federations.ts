import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import {
  type Federation,
  FederationIdpModel,
  FederationModel,
  type FederationTrust,
  FederationTrustModel,
} from '../db/models/federation.ts';
import type { AttributeMapping } from '../db/models/saml.ts';
import { escapeRegex } from '../db/regex.ts';
import { messageOf } from '../errors.ts';
import { FEDERATION_MAPPING } from '../saml/attributes.ts';
import { OperatorError } from './errors.ts';
import { MAPPING_KEYS } from './saml-idps.ts';
import { requireTenant } from './tenants.ts';

export interface FederationInput {
  id: string;
  /** The aggregate's http(s) URL, or an absolute file path. */
  source: string;
  /** PEM certificates of the federation's signing keys. */
  certificates: string[];
  refreshMinutes?: number;
}

function checkCertificates(pems: string[]): string[] {
  if (!pems.length) throw new OperatorError('give the federation signing certificate (--cert FILE, twice during a rollover)');
  return pems.map((pem) => {
    try {
      return new X509Certificate(pem).toString();
    } catch (error) {
      throw new OperatorError(`not a PEM certificate: ${messageOf(error)}`);
    }
  });
}

/**
 * Adds a federation, or changes its source, certificates or schedule (keeping the aggregate in
 * use until the next refresh, which comes at once).
 */
export async function addFederation(input: FederationInput): Promise<Federation> {
  if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(input.id)) throw new OperatorError('--id must be 1-32 lower-case letters, digits or "-"');
  if (!/^https?:\/\/\S+$/.test(input.source) && !(isAbsolute(input.source) && existsSync(input.source))) {
    throw new OperatorError('--source must be an http(s) URL or the absolute path of a file');
  }
  const refreshMinutes = input.refreshMinutes ?? 60;
  if (!Number.isInteger(refreshMinutes) || refreshMinutes < 1)
    throw new OperatorError('--refresh-minutes must be a whole number above 0');
  const $set = {
    source: input.source,
    certificates: checkCertificates(input.certificates),
    refreshMinutes,
    nextRefreshAt: new Date(0),
  };
  await FederationModel.updateOne({ _id: input.id }, { $set }, { upsert: true, runValidators: true });
  return (await FederationModel.findById(input.id).lean<Federation>()) as Federation;
}

export const listFederations = () => FederationModel.find({}).sort({ _id: 1 }).lean<Federation[]>();

export interface TrustInput {
  tenantId: string;
  federationId: string;
  entityIds?: string[];
  all?: boolean;
  entityAttributes?: string[];
  registrationAuthorities?: string[];
  mapping?: Partial<AttributeMapping>;
  allowedAffiliations?: string[];
}

/**
 * Lets a university's students use IdPs of a federation: the listed entity IDs, or all of its IdPs
 * with the given entity attributes and registration authorities. Attributes are read with the
 * federation defaults (src/saml/attributes.ts) unless mapped otherwise.
 */
export async function trustFederation(input: TrustInput): Promise<FederationTrust> {
  await requireTenant(input.tenantId);
  if (!(await FederationModel.exists({ _id: input.federationId })))
    throw new OperatorError(`no federation "${input.federationId}"`);
  const entityIds = input.entityIds ?? [];
  if (Boolean(input.all) === entityIds.length > 0) throw new OperatorError('give either --entity-id (one or more) or --all');
  for (const pair of input.entityAttributes ?? []) {
    if (!/^[^=]+=.+$/.test(pair)) throw new OperatorError(`--entity-attribute "${pair}" must be NAME=VALUE`);
  }
  for (const key of Object.keys(input.mapping ?? {})) {
    if (!MAPPING_KEYS.includes(key)) throw new OperatorError(`unknown mapping "${key}" (mappings: ${MAPPING_KEYS.join(', ')})`);
  }
  const _id = `${input.tenantId}|${input.federationId}`;
  const doc = {
    _id,
    tenantId: input.tenantId,
    federationId: input.federationId,
    entityIds,
    all: Boolean(input.all),
    entityAttributes: input.entityAttributes ?? [],
    registrationAuthorities: input.registrationAuthorities ?? [],
    mapping: { ...FEDERATION_MAPPING, ...(input.mapping ?? {}) },
    allowedAffiliations: input.allowedAffiliations ?? [],
  };
  await FederationTrustModel.replaceOne({ _id }, doc, { upsert: true, runValidators: true });
  return (await FederationTrustModel.findById(_id).lean<FederationTrust>()) as FederationTrust;
}

export async function untrustFederation(tenantId: string, federationId: string): Promise<void> {
  const result = await FederationTrustModel.deleteOne({ _id: `${tenantId}|${federationId}` });
  if (result.deletedCount === 0) throw new OperatorError(`${tenantId} does not trust federation "${federationId}"`);
}

export const listTrusts = (tenantId: string) => FederationTrustModel.find({ tenantId }).lean<FederationTrust[]>();

/** How many IdPs of the federation are stored (the operator's list). */
export const federationIdpCount = (federationId: string) => FederationIdpModel.countDocuments({ federationId });

/**
 * Trusts or untrusts one IdP of a federation for a university (the console's search), keeping the
 * trust's mapping and affiliations; the last one untrusted removes the trust. False when the trust
 * takes every IdP (`all`, set by the operator): one entity cannot be taken out of it here.
 */
export async function trustEntity(tenantId: string, federationId: string, entityId: string, trusted: boolean): Promise<boolean> {
  const existing = await FederationTrustModel.findById(`${tenantId}|${federationId}`).lean<FederationTrust>();
  if (existing?.all) return false;
  const others = (existing?.entityIds ?? []).filter((id) => id !== entityId);
  const entityIds = trusted ? [...others, entityId] : others;
  if (entityIds.length === 0) {
    await FederationTrustModel.deleteOne({ _id: `${tenantId}|${federationId}` });
    return true;
  }
  const mapping = existing?.mapping as Partial<AttributeMapping> | undefined;
  await trustFederation({ tenantId, federationId, entityIds, mapping, allowedAffiliations: existing?.allowedAffiliations ?? [] });
  return true;
}

/** A federation's IdPs whose name (ja or en), entity ID or scope holds `text`, at most `limit`, by entity ID. */
export function searchFederationIdps(federationId: string, text: string, limit: number) {
  const contains = { $regex: escapeRegex(text), $options: 'i' };
  const anyOf = [{ 'displayName.ja': contains }, { 'displayName.en': contains }, { entityId: contains }, { scopes: contains }];
  return FederationIdpModel.find({ federationId, ...(text ? { $or: anyOf } : {}) }, { metadataXml: 0 })
    .sort({ entityId: 1 })
    .limit(limit)
    .lean();
}
