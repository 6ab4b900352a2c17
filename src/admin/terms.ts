import { isDuplicateKey } from '../db/duplicate-key.ts';
import { TenantModel } from '../db/models/tenant.ts';
import { type TermsVersion, TermsVersionModel } from '../db/models/terms-version.ts';

/** The terms of use in both languages. */
export interface TermsText {
  ja: string;
  en: string;
}

/** The longest terms a university may publish (characters per language). */
export const TERMS_MAX = 50_000;

/** Keeps what an admin is preparing; nothing an applicant sees changes until it is published. */
export async function saveTermsDraft(tenantId: string, text: TermsText): Promise<void> {
  await TenantModel.updateOne({ _id: tenantId }, { $set: { termsDraft: text } });
}

/**
 * Publishes the draft as the next version: kept in terms_versions, and shown to applicants from now
 * on (the tenant's terms and termsVersion, the settings stamp telling every instance). Undefined when
 * another admin published first (the version is taken) or there is no draft in both languages.
 */
export async function publishTerms(tenantId: string, staffId: string): Promise<number | undefined> {
  const tenant = await TenantModel.findById(tenantId, { termsDraft: 1, termsVersion: 1 }).lean();
  const draft = { ja: tenant?.termsDraft?.ja ?? '', en: tenant?.termsDraft?.en ?? '' };
  if (!tenant || !draft.ja.trim() || !draft.en.trim()) return undefined;
  const version = (tenant.termsVersion ?? 0) + 1;
  try {
    await TermsVersionModel.create({
      _id: `${tenantId}:${version}`,
      tenantId,
      version,
      text: draft,
      publishedAt: new Date(),
      staffId,
    });
  } catch (error) {
    if (isDuplicateKey(error)) return undefined;
    throw error;
  }
  await TenantModel.updateOne(
    { _id: tenantId },
    { $set: { terms: draft, termsVersion: version, termsDraft: { ja: '', en: '' } } },
  );
  return version;
}

/** The university's published versions, newest first. */
export function termsVersions(tenantId: string): Promise<TermsVersion[]> {
  return TermsVersionModel.find({ tenantId }).sort({ version: -1 }).lean<TermsVersion[]>().exec();
}
