import mongoose from 'mongoose';
import { expirySlot } from '../expiry-slot.ts';
import { openImage } from '../image-crypto.ts';

const imageSchema = new mongoose.Schema(
  {
    contentType: { type: String, required: true },
    data: { type: Buffer, required: true },
    size: { type: Number, required: true },
  },
  { _id: false },
);

export const imagesField = { front: { type: imageSchema }, back: { type: imageSchema } };

const decisionSchema = new mongoose.Schema(
  {
    action: { type: String, enum: ['approved', 'rejected', 'resubmission_requested', 'resubmitted'], required: true },
    staffId: { type: String },
    staffEmail: { type: String },
    reason: { type: String, default: '' },
    accountId: { type: String },
    at: { type: Date, required: true },
    /** The applicant's mail, held until `undoUntil`: the deciding reviewer may undo until then. */
    mailId: { type: String },
    undoUntil: { type: Date },
  },
  { _id: false },
);

export const APPLICATION_STATUSES = ['pending', 'approved', 'rejected', 'resubmission_requested'] as const;

/** A submitted application for use, waiting for or carrying the university's decision. */
const applicationSchema = new mongoose.Schema(
  {
    tenantId: { type: String, required: true },
    email: { type: String, required: true },
    lang: { type: String, enum: ['ja', 'en'], default: 'ja' },
    /** new / reapplication: an application for use; student-id: an additional student ID for an account. */
    type: { type: String, enum: ['new', 'reapplication', 'student-id'], required: true },
    /** The form's values by item name (names never contain `.` or `$`). */
    values: { type: mongoose.Schema.Types.Mixed, required: true },
    images: imagesField,
    /** The version of the terms of use the applicant agreed to (the tenant's termsVersion then). */
    termsVersion: { type: Number, default: 0 },
    status: { type: String, enum: APPLICATION_STATUSES, default: 'pending' },
    decisions: { type: [decisionSchema], default: [] },
    accountId: { type: String },
    /** How the items compare with the university's register (src/review/register-match.ts), and when. */
    registerMatch: { summary: { type: String }, at: { type: Date } },
    submittedAt: { type: Date, required: true },
    imagesDeleteAfter: { type: Date },
    imagesDeletedAt: { type: Date },
  },
  { timestamps: true, versionKey: false, minimize: false },
);
applicationSchema.index({ tenantId: 1, status: 1, submittedAt: 1 });
applicationSchema.index({ tenantId: 1, email: 1 });
expirySlot(applicationSchema, 'imagesDeleteAfter', 'imagesDeleteSlot');

export type Application = mongoose.InferSchemaType<typeof applicationSchema> & { _id: mongoose.Types.ObjectId };
export const ApplicationModel = mongoose.model('Application', applicationSchema, 'applications');

/** An identification image as it was uploaded: stored encrypted, read back as BSON Binary. */
export function imageBytes(data: Buffer | { buffer: Uint8Array }): Buffer {
  return openImage(data);
}
