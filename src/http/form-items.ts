import type { TFunction } from 'i18next';
import { type CatalogueEntry, catalogueLabel, type Tenant } from '../db/models/tenant.ts';
import { type FieldErrors, message } from '../i18n/index.ts';
import { nameFits } from '../text/names.ts';
import { PREFECTURES, prefectureName } from '../text/prefectures.ts';
import { typedDay, typedMonth } from '../text/typed-date.ts';

const PREFECTURE_VALUES = PREFECTURES.map((p) => p.ja);

export type FieldKind =
  | 'name'
  | 'kana'
  | 'roman'
  | 'text'
  | 'date'
  | 'month'
  | 'postal'
  | 'phone'
  | 'textarea'
  | 'choice'
  | 'catalogue'
  | 'prefecture';
export type FieldMode = 'required' | 'optional' | 'hidden';
export type FieldGroup = 'applicant' | 'school' | 'address' | 'work' | 'document';

export interface FieldDef {
  name: string;
  kind: FieldKind;
  group: FieldGroup;
  mode: FieldMode;
  choices?: readonly string[];
  /** Needed to create the account: a tenant cannot hide or relax it. */
  fixed?: boolean;
  /** The HTML autocomplete token, so a phone fills it in (issue 28 item 9). */
  autocomplete?: string;
}

/** Every item of the application form (Requirement G1.4), in the manual's order, with its default mode. */
export const FIELDS: readonly FieldDef[] = [
  {
    name: 'applicationType',
    kind: 'choice',
    group: 'applicant',
    mode: 'required',
    choices: ['new', 'reapplication'],
    fixed: true,
  },
  { name: 'nameKanji', kind: 'name', group: 'applicant', mode: 'required', fixed: true, autocomplete: 'name' },
  { name: 'nameKana', kind: 'kana', group: 'applicant', mode: 'required' },
  { name: 'nameRoman', kind: 'roman', group: 'applicant', mode: 'required' },
  {
    name: 'sex',
    kind: 'choice',
    group: 'applicant',
    mode: 'optional',
    choices: ['male', 'female', 'other'],
    autocomplete: 'sex',
  },
  { name: 'birthdate', kind: 'date', group: 'applicant', mode: 'required', autocomplete: 'bday' },
  { name: 'schoolNameKanji', kind: 'name', group: 'school', mode: 'optional' },
  { name: 'schoolNameKana', kind: 'kana', group: 'school', mode: 'optional' },
  { name: 'schoolNameRoman', kind: 'roman', group: 'school', mode: 'optional' },
  { name: 'catalogue', kind: 'catalogue', group: 'school', mode: 'required', fixed: true },
  { name: 'studentId', kind: 'text', group: 'school', mode: 'optional' },
  { name: 'graduation', kind: 'month', group: 'school', mode: 'required' },
  { name: 'graduationType', kind: 'choice', group: 'school', mode: 'required', choices: ['graduated', 'withdrawn', 'expelled'] },
  { name: 'postalCode', kind: 'postal', group: 'address', mode: 'optional', autocomplete: 'postal-code' },
  {
    name: 'prefecture',
    kind: 'prefecture',
    group: 'address',
    mode: 'optional',
    choices: PREFECTURE_VALUES,
    autocomplete: 'address-level1',
  },
  { name: 'city', kind: 'text', group: 'address', mode: 'optional', autocomplete: 'address-level2' },
  { name: 'street', kind: 'text', group: 'address', mode: 'optional', autocomplete: 'address-line1' },
  { name: 'building', kind: 'text', group: 'address', mode: 'optional', autocomplete: 'address-line2' },
  { name: 'phone', kind: 'phone', group: 'address', mode: 'optional', autocomplete: 'home tel' },
  { name: 'mobile', kind: 'phone', group: 'address', mode: 'optional', autocomplete: 'mobile tel' },
  { name: 'workName', kind: 'text', group: 'work', mode: 'optional', autocomplete: 'organization' },
  { name: 'workPostalCode', kind: 'postal', group: 'work', mode: 'optional', autocomplete: 'section-work postal-code' },
  {
    name: 'workPrefecture',
    kind: 'prefecture',
    group: 'work',
    mode: 'optional',
    choices: PREFECTURE_VALUES,
    autocomplete: 'section-work address-level1',
  },
  { name: 'workCity', kind: 'text', group: 'work', mode: 'optional', autocomplete: 'section-work address-level2' },
  { name: 'workStreet', kind: 'text', group: 'work', mode: 'optional', autocomplete: 'section-work address-line1' },
  { name: 'workBuilding', kind: 'text', group: 'work', mode: 'optional', autocomplete: 'section-work address-line2' },
  { name: 'workPhone', kind: 'phone', group: 'work', mode: 'optional', autocomplete: 'work tel' },
  {
    name: 'idType',
    kind: 'choice',
    group: 'document',
    mode: 'required',
    choices: ['driving_licence', 'passport', 'insurance_card', 'photo_id'],
    fixed: true,
  },
  { name: 'remarks', kind: 'textarea', group: 'document', mode: 'optional' },
];

export const GROUPS: readonly FieldGroup[] = ['applicant', 'school', 'address', 'work', 'document'];

/** The form as this tenant configured it: hidden items left out, modes applied. */
export function tenantFields(tenant: Tenant): FieldDef[] {
  const overrides = new Map((tenant.applicationFields ?? []).map((f) => [f.name, f.mode as FieldMode]));
  return FIELDS.flatMap((field) => {
    const mode = field.fixed ? field.mode : (overrides.get(field.name) ?? field.mode);
    return mode === 'hidden' ? [] : [{ ...field, mode }];
  });
}

/**
 * Characters no item may hold: control characters and invisible formatting ones (bidirectional
 * overrides, zero-width spaces), private-use and unassigned code points. A remark may keep tabs and
 * line breaks.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}]/u;
const unprintable = (value: string, multiline: boolean) => UNPRINTABLE.test(multiline ? value.replace(/[\t\n\r]/g, '') : value);
/** The longest value an item takes (the remark is a textarea). */
export const maxLength = (field: FieldDef) => (field.kind === 'textarea' ? 1000 : 100);

/** Normalises one value (trims, folds spaces, formats postal codes); returns the message key if wrong. */
function check(field: FieldDef, raw: string, catalogue: CatalogueEntry[]): { value: string; error?: string } {
  if (unprintable(raw, field.kind === 'textarea')) return { value: raw, error: 'characters' };
  const value = field.kind === 'textarea' ? raw.trim() : raw.trim().replace(/[ \u3000]+/g, ' ');
  const chosen = field.kind === 'choice' || field.kind === 'catalogue' || field.kind === 'prefecture';
  if (!value) return { value, error: field.mode === 'required' ? (chosen ? 'choice' : 'required') : undefined };
  if (value.length > maxLength(field)) return { value, error: 'tooLong' };
  const now = new Date();
  switch (field.kind) {
    case 'name':
    case 'kana':
    case 'roman':
      return { value, error: nameFits(field.kind, value) ? undefined : field.kind };
    case 'date': {
      const date = typedDay(value);
      const ok = date !== undefined && date >= '1900-01-01' && new Date(date) <= now;
      return ok ? { value: date } : { value, error: 'date' };
    }
    case 'month': {
      const month = typedMonth(value);
      const ok = month !== undefined && month >= '1900-01' && Number(month.slice(0, 4)) <= now.getUTCFullYear() + 1;
      return ok ? { value: month } : { value, error: 'month' };
    }
    case 'postal': {
      // Full-width digits and dashes, as Japanese input methods type them, count as their ASCII forms.
      const digits = value.normalize('NFKC').replace(/[-‐ーｰ]/g, '');
      return /^\d{7}$/.test(digits) ? { value: `${digits.slice(0, 3)}-${digits.slice(3)}` } : { value, error: 'postal' };
    }
    case 'phone': {
      const phone = value.normalize('NFKC').replace(/[‐ーｰ]/g, '-');
      const ok = /^\+?[\d-]+$/.test(phone) && phone.replace(/\D/g, '').length >= 10 && phone.replace(/\D/g, '').length <= 15;
      return ok ? { value: phone } : { value, error: 'phone' };
    }
    case 'choice':
      return { value, error: field.choices?.includes(value) ? undefined : 'choice' };
    case 'catalogue':
      return { value, error: catalogue.some((entry) => entry._id === value) ? undefined : 'choice' };
    case 'prefecture':
      return { value, error: PREFECTURE_VALUES.includes(value) ? undefined : 'choice' };
    case 'text':
      return { value, error: field.name === 'studentId' && !/^[A-Za-z0-9-]{1,32}$/.test(value) ? 'studentId' : undefined };
    default:
      return { value };
  }
}

/** The items of an additional student ID (Requirement G3): the school group, the student ID required. */
export function studentIdFields(tenant: Tenant): FieldDef[] {
  return tenantFields(tenant)
    .filter((field) => field.group === 'school')
    .map((field) => (field.name === 'studentId' ? { ...field, mode: 'required' as const } : field));
}

/** The items a graduate keeps up to date on the account pages (Requirement G4 a). */
export const PERSONAL_FIELDS = [
  'nameKanji',
  'nameKana',
  'nameRoman',
  'sex',
  'birthdate',
  'postalCode',
  'prefecture',
  'city',
  'street',
  'building',
  'phone',
  'mobile',
];
export const CONTACT_FIELDS = ['postalCode', 'prefecture', 'city', 'street', 'building', 'phone', 'mobile'] as const;

/** Validates the given items (default: the tenant's whole form); normalised values and a message per wrong item. */
export function validateFields(
  tenant: Tenant,
  read: (name: string) => string,
  fields: FieldDef[] = tenantFields(tenant),
): { values: Record<string, string>; errors: FieldErrors } {
  const values: Record<string, string> = {};
  const errors: FieldErrors = {};
  for (const field of fields) {
    const result = check(field, read(field.name), tenant.catalogue ?? []);
    values[field.name] = result.value;
    if (result.error) {
      errors[field.name] = message(`form.${result.error}`, {
        field: message(`application.fields.${field.name}`),
        max: maxLength(field),
      });
    }
  }
  return { values, errors };
}

/** The value as a person reads it on the confirmation screen and in the staff console. */
export function displayValue(
  t: TFunction,
  tenant: Tenant,
  lang: 'ja' | 'en',
  field: FieldDef,
  value: string | undefined,
): string {
  if (!value) return '';
  if (field.kind === 'choice') return t(`application.choices.${field.name}.${value}`);
  if (field.kind === 'prefecture') return prefectureName(value, lang);
  if (field.kind === 'catalogue') {
    const entry = (tenant.catalogue ?? []).find((e) => e._id === value);
    return entry ? catalogueLabel(entry, lang) : value;
  }
  return value;
}
