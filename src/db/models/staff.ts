import mongoose from 'mongoose';
import { expirySlot } from '../expiry-slot.ts';

/**
 * What a staff member may do in the console (issue 26): `reviewer` reviews applications; `admin` runs
 * the university's settings and staff; `helpdesk` helps graduates with their accounts; `auditor` reads
 * the audit log. Staff made before roles existed are reviewers (staffRoles).
 */
export const STAFF_ROLES = ['reviewer', 'admin', 'helpdesk', 'auditor'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** University staff who run the university's part of the service; password + TOTP (or a passkey). */
const staffSchema = new mongoose.Schema(
  {
    tenantId: { type: String, required: true },
    email: { type: String, required: true },
    name: { type: String, required: true },
    /** Unset while an invitation is open: the invited member sets it from the mailed link. */
    passwordHash: { type: String },
    /** Set while an invitation is open (no password yet). */
    invitedAt: { type: Date },
    totpSecret: { type: String },
    /** The last accepted TOTP time step: a code is never accepted twice. */
    totpLastStep: { type: Number, default: 0 },
    disabled: { type: Boolean, default: false },
    roles: { type: [String], enum: STAFF_ROLES, default: ['reviewer'] },
  },
  { timestamps: true, versionKey: false },
);
staffSchema.index({ tenantId: 1, email: 1 }, { unique: true });

export type Staff = mongoose.InferSchemaType<typeof staffSchema> & { _id: mongoose.Types.ObjectId };
export const StaffModel = mongoose.model('Staff', staffSchema, 'staff');

/** A staff member's roles; a record from before roles (none stored) is a reviewer's, as it was. */
export const staffRoles = (staff: Pick<Staff, 'roles'>): StaffRole[] =>
  staff.roles?.length ? (staff.roles as StaffRole[]) : ['reviewer'];

/** A staff console session: `pending` between password and TOTP, `active` after. */
const staffSessionSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    staffId: { type: String, required: true },
    tenantId: { type: String, required: true },
    stage: { type: String, enum: ['pending', 'active'], required: true },
    /** During enrolment: the new secret, saved on the staff record only once a code proves it. */
    enrolSecret: { type: String },
    /** Wrong TOTP codes in this pending session; too many end it. */
    attempts: { type: Number, default: 0 },
    /** When the staff member last proved who they are (sign-in or step-up): console changes need it recent. */
    verifiedAt: { type: Date },
    expiresAt: { type: Date, required: true },
    absoluteExpiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);
expirySlot(staffSessionSchema);

export type StaffSession = mongoose.InferSchemaType<typeof staffSessionSchema>;
export const StaffSessionModel = mongoose.model('StaffSession', staffSessionSchema, 'staff_sessions');
