import mongoose from 'mongoose';
import { expirySlot } from '../expiry-slot.ts';
import { imagesField } from './application.ts';

/**
 * An application being filled in (Kratos-style flow): created when the one-time URL is used, bound
 * to the browser by a signed cookie holding its random id, saved at every step so a wrong field
 * never loses what was typed, and removed when it is submitted or expires.
 */
const applicationFlowSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    email: { type: String, required: true },
    lang: { type: String, enum: ['ja', 'en'], default: 'ja' },
    values: { type: mongoose.Schema.Types.Mixed, default: {} },
    images: imagesField,
    /** Set when the flow corrects an application the staff sent back. */
    resubmissionOf: { type: String },
    checked: { type: Boolean, default: false },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
expirySlot(applicationFlowSchema);

export type ApplicationFlow = mongoose.InferSchemaType<typeof applicationFlowSchema>;
export const ApplicationFlowModel = mongoose.model('ApplicationFlow', applicationFlowSchema, 'application_flows');
