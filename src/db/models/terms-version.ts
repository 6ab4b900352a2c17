import mongoose from 'mongoose';

/**
 * A published version of a university's terms of use (issue 26 item 2): kept, so that what an
 * applicant agreed to (the application's termsVersion) can always be read again.
 */
const termsVersionSchema = new mongoose.Schema(
  {
    /** `${tenantId}:${version}`: two admins publishing at once cannot both make version n. */
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    version: { type: Number, required: true },
    text: { ja: { type: String, default: '' }, en: { type: String, default: '' } },
    publishedAt: { type: Date, required: true },
    staffId: { type: String },
  },
  { versionKey: false },
);
termsVersionSchema.index({ tenantId: 1, version: -1 });

export type TermsVersion = mongoose.InferSchemaType<typeof termsVersionSchema>;
export const TermsVersionModel = mongoose.model('TermsVersion', termsVersionSchema, 'terms_versions');
