import mongoose from 'mongoose';

/**
 * A step that must follow authentication before the login completes (Keycloak's required actions),
 * keyed by the oidc-provider interaction it belongs to.
 */
const requiredActionSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    action: { type: String, enum: ['set-passwords'], required: true },
    accountId: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export const RequiredActionModel = mongoose.model('RequiredAction', requiredActionSchema, 'required_actions');
