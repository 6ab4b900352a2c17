import mongoose from 'mongoose';
import { ReadCache } from '../read-cache.ts';

const personName = {
  family: { type: String, default: '' },
  given: { type: String, default: '' },
};

export const STUDENT_ID_STATUSES = ['graduated', 'withdrawn', 'expelled', 'enrolled'] as const;

const studentIdSchema = new mongoose.Schema(
  {
    number: { type: String, default: '' },
    university: { type: String, default: '' },
    department: { type: String, default: '' },
    subject: { type: String, default: '' },
    /** Graduation (completion) year and month, "YYYY-MM". */
    graduation: { type: String, default: '' },
    status: { type: String, enum: STUDENT_ID_STATUSES, default: 'graduated' },
    /** The names in English, from the university's catalogue (empty for IDs imported without them). */
    en: {
      university: { type: String, default: '' },
      department: { type: String, default: '' },
      subject: { type: String, default: '' },
    },
  },
  { _id: false },
);

const accountSchema = new mongoose.Schema(
  {
    tenantId: { type: String, required: true },
    kind: { type: String, enum: ['graduate', 'student'], required: true },
    /** Lower-cased; unique within the tenant, not globally. */
    email: { type: String, required: true },
    emailVerified: { type: Boolean, default: false },
    name: {
      kanji: personName,
      kana: personName,
      roman: personName,
    },
    birthdate: { type: String, default: '' },
    sex: { type: String, enum: ['', 'male', 'female', 'other'], default: '' },
    /** Current address and phones (graduates), as in the application form. */
    contact: {
      postalCode: { type: String, default: '' },
      prefecture: { type: String, default: '' },
      city: { type: String, default: '' },
      street: { type: String, default: '' },
      building: { type: String, default: '' },
      phone: { type: String, default: '' },
      mobile: { type: String, default: '' },
    },
    locale: { type: String, enum: ['ja', 'en'], default: 'ja' },
    passwordHash: { type: String },
    secondPasswordHash: { type: String },
    /** Set while the password is an initial one: the next login must set both passwords. */
    mustSetPasswords: { type: Boolean, default: false },
    initialPasswordExpiresAt: { type: Date },
    studentIds: { type: [studentIdSchema], default: [] },
    /** A student's latest university sign-in, for single logout with the IdP. */
    samlSession: {
      idpId: { type: String },
      nameId: { type: String },
      nameIdFormat: { type: String },
      sessionIndex: { type: String },
    },
    /**
     * Set while the university has stopped the account (the console, issue 26): no login, no tokens,
     * no account pages; the staff member's reason is kept beside it and in the audit log.
     */
    disabledAt: { type: Date },
    disabledReason: { type: String },
    lastLoginAt: { type: Date },
    previousLoginAt: { type: Date },
  },
  { timestamps: true, versionKey: false },
);
accountSchema.index({ tenantId: 1, email: 1 }, { unique: true });

export type Account = mongoose.InferSchemaType<typeof accountSchema> & { _id: mongoose.Types.ObjectId };
/** Accounts as relying parties read them (claims), kept in the process until changed (src/db/read-cache.ts). */
export const accountCache = new ReadCache<Account>('account');
accountCache.forgetOnWrite(accountSchema);
export const AccountModel = mongoose.model('Account', accountSchema, 'accounts');
