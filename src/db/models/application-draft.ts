import mongoose from 'mongoose';
import { expirySlot } from '../expiry-slot.ts';
import { imagesField } from './application.ts';

/**
 * An application being filled in (a draft, as a Kratos flow): created when the one-time URL is used, bound
 * to the browser by a signed cookie holding its random id, saved at every step so a wrong field
 * never loses what was typed, and removed when it is submitted or expires.
 */
const applicationDraftSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    email: { type: String, required: true },
    lang: { type: String, enum: ['ja', 'en'], default: 'ja' },
    values: { type: mongoose.Schema.Types.Mixed, default: {} },
    images: imagesField,
    /** Set when the draft corrects an application the staff sent back, with the reason they gave. */
    resubmissionOf: { type: String },
    resubmitReason: { type: String },
    checked: { type: Boolean, default: false },
    /** The version of the terms of use the applicant agreed to. */
    termsVersion: { type: Number, default: 0 },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
expirySlot(applicationDraftSchema);

export type ApplicationDraft = mongoose.InferSchemaType<typeof applicationDraftSchema>;
export const ApplicationDraftModel = mongoose.model('ApplicationDraft', applicationDraftSchema, 'application_flows');
