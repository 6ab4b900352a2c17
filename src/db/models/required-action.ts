import mongoose from 'mongoose';
import { expirySlot } from '../expiry-slot.ts';

/**
 * A step that must follow authentication before the login completes (Keycloak's required actions),
 * keyed by the oidc-provider interaction it belongs to.
 */
const requiredActionSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    /** set-passwords: a graduate's first login; student: the steps after a university sign-in (S2, S3). */
    action: { type: String, enum: ['set-passwords', 'student'], required: true },
    accountId: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);

expirySlot(requiredActionSchema);

export const RequiredActionModel = mongoose.model('RequiredAction', requiredActionSchema, 'required_actions');
