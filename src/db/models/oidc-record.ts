import mongoose from 'mongoose';
import { expirySlot } from '../expiry-slot.ts';

/**
 * One oidc-provider model instance (session, interaction, code, token, grant, ...). The payload is
 * kept as a JSON string because oidc-provider uses client IDs and URLs as object keys, and `.` or
 * `$` in document keys is not portable across MongoDB and FerretDB.
 */
const oidcRecordSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    payload: { type: String, required: true },
    uid: { type: String },
    userCode: { type: String },
    grantId: { type: String },
    /** For sessions and grants: whose they are, so a password change or the helpdesk can end them. */
    accountId: { type: String },
    /** For sessions and their grants: the session's uid, read as one (src/oidc/session-family.ts). */
    family: { type: String },
    consumedAt: { type: Number },
    /** For sessions: the browser as a person recognises it, and when the session was last saved (used). */
    device: { type: String },
    seenAt: { type: Date },
    expiresAt: { type: Date },
  },
  { versionKey: false },
);
oidcRecordSchema.index({ kind: 1, uid: 1 });
oidcRecordSchema.index({ kind: 1, userCode: 1 });
oidcRecordSchema.index({ grantId: 1 });
oidcRecordSchema.index({ kind: 1, accountId: 1 });
oidcRecordSchema.index({ family: 1 });
expirySlot(oidcRecordSchema);

export const OidcRecordModel = mongoose.model('OidcRecord', oidcRecordSchema, 'oidc_records');
