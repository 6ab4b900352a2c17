import mongoose from 'mongoose';
import { trackChanges } from '../change-stamp.ts';
import { mappingSchema } from './saml.ts';

/**
 * A federation whose signed metadata aggregate we trust (GakuNin, eduGAIN…): where to fetch it, the
 * certificates it must be signed with, and the state of the last refresh. One process at a time
 * refreshes it: the one holding its lease (src/db/lease.ts).
 */
const federationSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true, match: /^[a-z0-9][a-z0-9-]{0,31}$/ },
    /** An http(s) URL, or a file path (a copy the operator fetched another way). */
    source: { type: String, required: true },
    /** PEM certificates any of which may sign the aggregate (two during the federation's key rollover). */
    certificates: { type: [String], required: true },
    refreshMinutes: { type: Number, default: 60, min: 1 },
    nextRefreshAt: { type: Date, default: () => new Date(0) },
    /** The aggregate in use: when it was accepted, until when it is valid, and what it held. */
    acceptedAt: { type: Date, default: null },
    validUntil: { type: Date, default: null },
    etag: { type: String, default: '' },
    lastModified: { type: String, default: '' },
    digest: { type: String, default: '' },
    entityCount: { type: Number, default: 0 },
    idpCount: { type: Number, default: 0 },
    checkedAt: { type: Date, default: null },
    /** Why the last fetched copy was refused (empty when the last refresh succeeded). */
    lastError: { type: String, default: '' },
    lastErrorAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false },
);
export type Federation = mongoose.InferSchemaType<typeof federationSchema>;
export const FederationModel = mongoose.model('Federation', federationSchema, 'saml_federations');

/** An IdP of a federation's accepted aggregate; `_id` is `${federationId}|${key}`. */
const federationIdpSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    federationId: { type: String, required: true },
    key: { type: String, required: true },
    entityId: { type: String, required: true },
    digest: { type: String, required: true },
    metadataXml: { type: String, required: true },
    displayName: { ja: { type: String, default: '' }, en: { type: String, default: '' } },
    logo: { type: String, default: '' },
    scopes: { type: [String], default: [] },
    scopeRegexps: { type: [String], default: [] },
    entityAttributes: { type: [String], default: [] },
    registrationAuthority: { type: String, default: '' },
    binding: { type: String, enum: ['redirect', 'post'], default: 'redirect' },
  },
  { versionKey: false },
);
federationIdpSchema.index({ federationId: 1 });
export type FederationIdpDoc = mongoose.InferSchemaType<typeof federationIdpSchema>;
export const FederationIdpModel = mongoose.model('FederationIdp', federationIdpSchema, 'saml_federation_idps');

/**
 * Which IdPs of a federation a university's students may use: the listed entity IDs, or (`all`)
 * every IdP of the federation that has all the listed entity attributes and, when any are listed,
 * one of the registration authorities. `_id` is `${tenantId}|${federationId}`.
 */
const federationTrustSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    federationId: { type: String, required: true },
    entityIds: { type: [String], default: [] },
    all: { type: Boolean, default: false },
    entityAttributes: { type: [String], default: [] },
    registrationAuthorities: { type: [String], default: [] },
    mapping: { type: mappingSchema, default: () => ({}) },
    allowedAffiliations: { type: [String], default: [] },
  },
  { timestamps: true, versionKey: false },
);
federationTrustSchema.index({ tenantId: 1 });
trackChanges(federationTrustSchema);
export type FederationTrust = mongoose.InferSchemaType<typeof federationTrustSchema>;
export const FederationTrustModel = mongoose.model('FederationTrust', federationTrustSchema, 'saml_federation_trusts');
