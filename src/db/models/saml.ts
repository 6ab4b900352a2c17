import mongoose from 'mongoose';
import { trackChanges } from '../change-stamp.ts';
import { expirySlot } from '../expiry-slot.ts';

/**
 * Which assertion attribute (or "nameid") carries each item of a student's identity: a name, or
 * several separated by spaces, the first present winning. Names are friendly names or urn:oid names
 * (src/saml/attributes.ts knows the academic ones); a scoped one is checked against the IdP's scopes.
 */
export const mappingSchema = new mongoose.Schema(
  {
    subject: { type: String, default: 'nameid' },
    studentId: { type: String, default: 'studentNumber' },
    familyName: { type: String, default: 'jasn' },
    givenName: { type: String, default: 'jaGivenName' },
    familyNameRoman: { type: String, default: 'sn' },
    givenNameRoman: { type: String, default: 'givenName' },
    email: { type: String, default: 'mail' },
    affiliation: { type: String, default: 'eduPersonAffiliation' },
  },
  { _id: false },
);

/** A university's own SAML IdP, as the operator imported it (one tenant may have several). */
const samlIdpSchema = new mongoose.Schema(
  {
    /** `${tenantId}:${slug}` */
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    slug: { type: String, required: true, match: /^[a-z0-9][a-z0-9-]{0,31}$/ },
    displayName: { ja: { type: String, required: true }, en: { type: String, required: true } },
    entityId: { type: String, required: true },
    metadataXml: { type: String, required: true },
    metadataUrl: { type: String, default: '' },
    /** How our AuthnRequest travels: HTTP-Redirect or HTTP-POST. */
    binding: { type: String, enum: ['redirect', 'post'], default: 'redirect' },
    mapping: { type: mappingSchema, default: () => ({}) },
    /** Affiliation values allowed to log in; empty allows everyone the IdP vouches for. */
    allowedAffiliations: { type: [String], default: [] },
    enabled: { type: Boolean, default: true },
    /** shibmd:Scope of the IdP's metadata (literal, and regular expressions): where scoped identifiers may come from. */
    scopes: { type: [String], default: [] },
    scopeRegexps: { type: [String], default: [] },
    /** Set for an IdP of a federation's aggregate (resolved per login, never stored here). */
    federationId: { type: String, default: '' },
  },
  { timestamps: true, versionKey: false },
);
samlIdpSchema.index({ tenantId: 1 });
trackChanges(samlIdpSchema);

export type SamlIdp = mongoose.InferSchemaType<typeof samlIdpSchema>;
export type AttributeMapping = mongoose.InferSchemaType<typeof mappingSchema>;
export const SamlIdpModel = mongoose.model('SamlIdp', samlIdpSchema, 'saml_idps');

/**
 * (tenant, IdP, subject) → student account. The key is the `_id`, so two first logins of one
 * student racing each other cannot create two links.
 */
const samlLinkSchema = new mongoose.Schema(
  { _id: { type: String, required: true }, accountId: { type: String, required: true } },
  { versionKey: false, timestamps: { createdAt: true, updatedAt: false } },
);
export const SamlLinkModel = mongoose.model('SamlLink', samlLinkSchema, 'saml_links');

/** An AuthnRequest we sent and still await the answer to (InResponseTo must name it). */
const samlRequestSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    idpId: { type: String, required: true },
    /** The oidc-provider interaction the login belongs to (also the RelayState). */
    uid: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);
expirySlot(samlRequestSchema);
export type SamlRequest = mongoose.InferSchemaType<typeof samlRequestSchema>;
export const SamlRequestModel = mongoose.model('SamlRequest', samlRequestSchema, 'saml_requests');
