import mongoose from 'mongoose';
import { expirySlot } from '../expiry-slot.ts';

/**
 * A one-time URL's token, stored only as its SHA-256 (`_id`), bound to a purpose, a tenant and a
 * mail address, with an expiry. Single use is enforced by a claim (src/db/claim.ts).
 */
const oneTimeTokenSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    purpose: { type: String, required: true },
    tenantId: { type: String, required: true },
    email: { type: String, required: true },
    lang: { type: String, enum: ['ja', 'en'], default: 'ja' },
    /** The record the token acts on, e.g. the application to resubmit. */
    ref: { type: String },
    /** The login (oidc-provider interaction) the link continues, for a student's first mail address. */
    interaction: { type: String },
    expiresAt: { type: Date, required: true },
    consumedAt: { type: Date },
  },
  { versionKey: false, timestamps: { createdAt: true, updatedAt: false } },
);
expirySlot(oneTimeTokenSchema);

export type OneTimeToken = mongoose.InferSchemaType<typeof oneTimeTokenSchema>;
export const OneTimeTokenModel = mongoose.model('OneTimeToken', oneTimeTokenSchema, 'one_time_tokens');
