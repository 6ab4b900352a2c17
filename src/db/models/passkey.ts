import mongoose from 'mongoose';
import { expirySlot } from '../expiry-slot.ts';

/**
 * A WebAuthn credential (passkey) of an account: its public key and what the authenticator said of
 * itself, keyed by the credential ID (base64url) that browsers send back at each login.
 */
const passkeySchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    /** Whose it is: a person's account (`account`) or a university staff member (`staff`). */
    owner: { type: String, enum: ['account', 'staff'], default: 'account' },
    /** The account's or the staff member's id. */
    accountId: { type: String, required: true, index: true },
    /** COSE public key, base64url. */
    publicKey: { type: String, required: true },
    /** The authenticator's signature counter: one that does not move forward means a cloned credential. */
    counter: { type: Number, default: 0 },
    transports: { type: [String], default: [] },
    /** singleDevice or multiDevice (synced); backedUp: synced to the person's cloud account. */
    deviceType: { type: String, default: 'singleDevice' },
    backedUp: { type: Boolean, default: false },
    /** What the person called it ("iPhone", "YubiKey"). */
    name: { type: String, default: '' },
    lastUsedAt: { type: Date },
    /** Set when an answer's counter did not move forward (a possible clone): refused from then on. */
    suspendedAt: { type: Date, default: null },
  },
  { versionKey: false, timestamps: { createdAt: true, updatedAt: false } },
);

export type Passkey = mongoose.InferSchemaType<typeof passkeySchema> & { createdAt: Date };
export const PasskeyModel = mongoose.model('Passkey', passkeySchema, 'passkeys');

/**
 * A WebAuthn ceremony under way: the challenge the server sent (`_id`), what it is for, and for
 * whom; kept in the database so that any instance can finish a ceremony another began. Used once
 * (src/db/claim.ts) and only before it expires.
 */
const challengeSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    purpose: { type: String, enum: ['registration', 'authentication'], required: true },
    tenantId: { type: String, required: true },
    /** Registration: the account (or staff member) the new passkey is for. */
    accountId: { type: String },
    /** Authentication: the oidc-provider interaction of the login, or `staff` for the review console. */
    interaction: { type: String },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);
expirySlot(challengeSchema);

export const WebAuthnChallengeModel = mongoose.model('WebAuthnChallenge', challengeSchema, 'webauthn_challenges');
