import mongoose from 'mongoose';

const localized = { ja: { type: String, required: true }, en: { type: String, required: true } };

const tenantSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true, match: /^[a-z0-9][a-z0-9-]{1,62}$/ },
    name: localized,
    inquiry: { ja: { type: String, default: '' }, en: { type: String, default: '' } },
    loginMethods: {
      graduate: { type: Boolean, default: true },
      student: { type: Boolean, default: false },
    },
  },
  { timestamps: true, versionKey: false },
);

export type Tenant = mongoose.InferSchemaType<typeof tenantSchema>;

/** The university's name and inquiry text in one language, as pages and mails show them. */
export function tenantBranding(tenant: Tenant, lang: 'ja' | 'en'): { university: string; inquiry: string } {
  const university = tenant.name?.[lang] ?? tenant._id;
  return { university, inquiry: tenant.inquiry?.[lang] || university };
}
export const TenantModel = mongoose.model('Tenant', tenantSchema, 'tenants');
