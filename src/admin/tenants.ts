import { isDuplicateKey } from '../db/duplicate-key.ts';
import { PASSKEY_POLICIES, TenantModel } from '../db/models/tenant.ts';
import { FIELDS } from '../http/form-items.ts';
import { OperatorError } from './errors.ts';

export interface TenantInput {
  id: string;
  nameJa: string;
  nameEn: string;
  inquiryJa?: string;
  inquiryEn?: string;
}

export async function createTenant(input: TenantInput): Promise<void> {
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(input.id)) {
    throw new OperatorError('tenant id must be 2-63 lower-case letters, digits or hyphens');
  }
  if (!input.nameJa.trim() || !input.nameEn.trim()) throw new OperatorError('tenant needs a Japanese and an English name');
  try {
    await TenantModel.create({
      _id: input.id,
      name: { ja: input.nameJa.trim(), en: input.nameEn.trim() },
      inquiry: { ja: input.inquiryJa ?? '', en: input.inquiryEn ?? '' },
    });
  } catch (error) {
    if (isDuplicateKey(error)) throw new OperatorError(`tenant "${input.id}" already exists`);
    throw error;
  }
}

export async function requireTenant(id: string): Promise<void> {
  if (!(await TenantModel.exists({ _id: id }))) throw new OperatorError(`no tenant "${id}"`);
}

export function listTenants() {
  return TenantModel.find().sort({ _id: 1 }).lean();
}

export interface CatalogueInput {
  id: string;
  university: { ja: string; en: string };
  department: { ja: string; en: string };
  subject: { ja: string; en: string };
}

export interface TenantSettings {
  name?: { ja: string; en: string };
  inquiry?: { ja: string; en: string };
  loginUrl?: string;
  manualUrl?: string;
  terms?: { ja?: string; en?: string };
  catalogue?: CatalogueInput[];
  fields?: Array<{ name: string; mode: string }>;
  initialPasswordDays?: number;
  imageRetentionDays?: number;
  passwordMinLength?: number;
  /** Which logins the login page offers: graduates (password) and/or students (SAML). */
  loginMethods?: { graduate: boolean; student: boolean };
  studentSecondPassword?: boolean;
  passkeys?: string;
  staffPasskeys?: string;
  studentPasskey?: boolean;
}

function checkCatalogue(entries: CatalogueInput[]): void {
  const ids = new Set<string>();
  for (const entry of entries) {
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(entry?.id ?? ''))
      throw new OperatorError(`catalogue id "${entry?.id}" must be 1-40 letters, digits, "_" or "-"`);
    if (ids.has(entry.id)) throw new OperatorError(`catalogue id "${entry.id}" appears twice`);
    ids.add(entry.id);
    for (const part of ['university', 'department', 'subject'] as const) {
      if (!entry[part]?.ja?.trim() || !entry[part]?.en?.trim())
        throw new OperatorError(`catalogue "${entry.id}" needs ${part}.ja and ${part}.en`);
    }
  }
}

/**
 * What is wrong with settings a university or the operator asks for: by field (the console's form
 * field), as a message id for the console (console.settings.errors.*) and English for the CLI.
 */
export interface SettingProblem {
  field: string;
  key: string;
  values?: Record<string, string | number>;
  text: string;
}

const DAY_LIMITS = { initialPasswordDays: 3650, imageRetentionDays: 3650 } as const;

export function settingProblems(settings: TenantSettings): SettingProblem[] {
  const problems: SettingProblem[] = [];
  const problem = (field: string, key: string, text: string, values?: SettingProblem['values']) =>
    problems.push({ field, key, text, values });
  for (const lang of ['ja', 'en'] as const) {
    const name = settings.name?.[lang];
    const field = `name${lang === 'ja' ? 'Ja' : 'En'}`;
    if (name !== undefined && !name.trim()) problem(field, 'nameRequired', `the university needs a name in ${lang}`);
    if (name && name.length > 100) problem(field, 'tooLong', `name.${lang} is longer than 100 characters`, { max: 100 });
    const inquiry = settings.inquiry?.[lang];
    if (inquiry && inquiry.length > 500)
      problem(`inquiry${lang === 'ja' ? 'Ja' : 'En'}`, 'tooLong', `inquiry.${lang} is longer than 500 characters`, { max: 500 });
  }
  for (const key of ['loginUrl', 'manualUrl'] as const) {
    const value = settings[key];
    if (value && (!/^https?:\/\/[^\s/]+\S*$/.test(value) || value.length > 500))
      problem(key, 'url', `${key} must be an http(s) URL`);
  }
  for (const key of ['initialPasswordDays', 'imageRetentionDays'] as const) {
    const value = settings[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > DAY_LIMITS[key]))
      problem(key, 'days', `${key} must be a whole number of days from 1 to ${DAY_LIMITS[key]}`, { max: DAY_LIMITS[key] });
  }
  const min = settings.passwordMinLength;
  if (min !== undefined && (!Number.isInteger(min) || min < 8 || min > 64))
    problem('passwordMinLength', 'minLength', 'passwordMinLength must be a whole number from 8 to 64');
  if (settings.loginMethods && !settings.loginMethods.graduate && !settings.loginMethods.student)
    problem('loginMethods', 'loginMethod', 'at least one login method (graduate or student) must stay enabled');
  if (settings.passkeys !== undefined && !(PASSKEY_POLICIES as readonly string[]).includes(settings.passkeys))
    problem('passkeys', 'choice', `passkeys must be one of ${PASSKEY_POLICIES.join(', ')}`);
  if (settings.staffPasskeys !== undefined && !['allowed', 'required'].includes(settings.staffPasskeys))
    problem('staffPasskeys', 'choice', 'staff-passkeys must be allowed or required');
  return problems;
}

/** Changes what a university configures; every value is checked before anything is written. */
export async function configureTenant(id: string, settings: TenantSettings): Promise<void> {
  await requireTenant(id);
  const [problem] = settingProblems(settings);
  if (problem) throw new OperatorError(problem.text);
  const set: Record<string, unknown> = {};
  for (const key of [
    'loginUrl',
    'manualUrl',
    'initialPasswordDays',
    'imageRetentionDays',
    'passwordMinLength',
    'loginMethods',
  ] as const) {
    if (settings[key] !== undefined) set[key] = settings[key];
  }
  for (const key of ['studentSecondPassword', 'passkeys', 'studentPasskey', 'staffPasskeys'] as const) {
    if (settings[key] !== undefined) set[key] = settings[key];
  }
  if (settings.name) set.name = { ja: settings.name.ja.trim(), en: settings.name.en.trim() };
  if (settings.inquiry) set.inquiry = { ja: settings.inquiry.ja.trim(), en: settings.inquiry.en.trim() };
  if (settings.terms?.ja !== undefined) set['terms.ja'] = settings.terms.ja;
  if (settings.terms?.en !== undefined) set['terms.en'] = settings.terms.en;
  if (settings.catalogue) {
    checkCatalogue(settings.catalogue);
    set.catalogue = settings.catalogue.map(({ id: entryId, ...rest }) => ({ _id: entryId, ...rest }));
  }
  if (settings.fields) {
    for (const { name, mode } of settings.fields) {
      const field = FIELDS.find((f) => f.name === name);
      if (!field) throw new OperatorError(`unknown application item "${name}" (items: ${FIELDS.map((f) => f.name).join(', ')})`);
      if (field.fixed) throw new OperatorError(`application item "${name}" is always required`);
      if (!['required', 'optional', 'hidden'].includes(mode))
        throw new OperatorError(`mode of "${name}" must be required, optional or hidden`);
    }
    set.applicationFields = settings.fields;
  }
  await TenantModel.updateOne({ _id: id }, { $set: set });
}
