import mongoose from 'mongoose';
import { trackChanges } from '../change-stamp.ts';

export const PASSKEY_POLICIES = ['off', 'allowed', 'required'] as const;

/** The screens whose 注意事項 (notes) a university adds its own lines to (the console, issue 26 item 1). */
export const NOTE_SCREENS = ['login', 'applyEmail', 'setPasswords', 'studentMail'] as const;
export type NoteScreen = (typeof NOTE_SCREENS)[number];
export type PasskeyPolicy = (typeof PASSKEY_POLICIES)[number];

const localized = { ja: { type: String, required: true }, en: { type: String, required: true } };
const optionalLocalized = { ja: { type: String, default: '' }, en: { type: String, default: '' } };

/** One choosable "university / department / subject" of the application form. */
const catalogueEntrySchema = new mongoose.Schema(
  { _id: { type: String, required: true }, university: localized, department: localized, subject: localized },
  { versionKey: false },
);

/** Overrides the default of one application form item: shown and required, shown, or hidden. */
const fieldSettingSchema = new mongoose.Schema(
  { name: { type: String, required: true }, mode: { type: String, enum: ['required', 'optional', 'hidden'], required: true } },
  { _id: false },
);

const tenantSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true, match: /^[a-z0-9][a-z0-9-]{1,62}$/ },
    name: localized,
    inquiry: optionalLocalized,
    /** Where "Log in here" in mails points: the certificate front end's login (else our own page). */
    loginUrl: { type: String, default: '' },
    /** The operating manual linked from the account menu. */
    manualUrl: { type: String, default: '' },
    loginMethods: {
      graduate: { type: Boolean, default: true },
      student: { type: Boolean, default: false },
    },
    /** The shortest password its graduates (and students' second passwords) may set: 8, the manuals', or more. */
    passwordMinLength: { type: Number, default: 8 },
    /** Students also set and enter a service-specific second password (S3, some universities). */
    studentSecondPassword: { type: Boolean, default: false },
    /** Graduates' passkeys: off, allowed (added from the account menu), or required after the first login. */
    passkeys: { type: String, enum: PASSKEY_POLICIES, default: 'allowed' },
    /** Students confirm with a passkey after the university's sign-in, in place of the second password. */
    studentPasskey: { type: Boolean, default: false },
    /** Staff passkeys in the review console: allowed, or required before the console opens. */
    staffPasskeys: { type: String, enum: ['allowed', 'required'], default: 'allowed' },
    /** The published terms of use, and their version (0: set by the operator before versions). */
    /** Its look on every page: a primary colour (#rrggbb, white text on it) and a logo, resized PNG. */
    branding: {
      color: { type: String, default: '' },
      logo: { type: Buffer },
      /** When the look last changed: the version in the stylesheet's and logo's addresses. */
      updatedAt: { type: Date },
    },
    /** The university's own lines under a screen's notes, one per line, by screen. */
    notes: {
      type: [{ _id: false, screen: { type: String, enum: NOTE_SCREENS, required: true }, ja: String, en: String }],
      default: [],
    },
    terms: optionalLocalized,
    termsVersion: { type: Number, default: 0 },
    /** What an admin is preparing in the console, published as the next version. */
    termsDraft: optionalLocalized,
    catalogue: { type: [catalogueEntrySchema], default: [] },
    applicationFields: { type: [fieldSettingSchema], default: [] },
    initialPasswordDays: { type: Number, default: 30 },
    /** When the graduate register last changed: matches computed before it are computed again. */
    registerUpdatedAt: { type: Date },
    imageRetentionDays: { type: Number, default: 90 },
  },
  { timestamps: true, versionKey: false },
);

trackChanges(tenantSchema);

export type Tenant = mongoose.InferSchemaType<typeof tenantSchema>;
export type CatalogueEntry = mongoose.InferSchemaType<typeof catalogueEntrySchema>;
export const TenantModel = mongoose.model('Tenant', tenantSchema, 'tenants');

/**
 * The university's logo as PNG bytes, whether the document came through mongoose or lean (a BSON
 * Binary): a view of the stored bytes, not a copy (every page's layout asks whether there is one).
 */
export function logoPng(tenant: Tenant): Buffer | undefined {
  const logo = tenant.branding?.logo as Buffer | { buffer: Uint8Array } | null | undefined;
  if (!logo) return undefined;
  const view = Buffer.isBuffer(logo) ? logo : logo.buffer;
  const bytes = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  return bytes.length ? bytes : undefined;
}

/** The university's name and inquiry text in one language, as pages and mails show them, and its look. */
export function tenantBranding(
  tenant: Tenant,
  lang: 'ja' | 'en',
): {
  university: string;
  inquiry: string;
  stylesheet?: string;
  logo?: string;
  notes?: Partial<Record<NoteScreen, string[]>>;
  passwordMinLength: number;
} {
  const university = tenant.name?.[lang] ?? tenant._id;
  const version = tenant.branding?.updatedAt?.getTime() ?? 0;
  return {
    university,
    inquiry: tenant.inquiry?.[lang] || university,
    ...(tenant.branding?.color ? { stylesheet: `/t/${tenant._id}/branding.css?v=${version}` } : {}),
    ...(logoPng(tenant) ? { logo: `/t/${tenant._id}/logo.png?v=${version}` } : {}),
    passwordMinLength: tenant.passwordMinLength ?? 8,
    notes: Object.fromEntries(
      (tenant.notes ?? []).map((note) => [
        note.screen,
        (note[lang] ?? '')
          .split('\n')
          .map((line) => line.trim())
          .filter(Boolean),
      ]),
    ),
  };
}

/** "University / Department / Subject" of a catalogue entry in one language. */
export function catalogueLabel(entry: CatalogueEntry, lang: 'ja' | 'en'): string {
  return [entry.university?.[lang], entry.department?.[lang], entry.subject?.[lang]].join(' / ');
}
