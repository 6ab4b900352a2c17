import mongoose from 'mongoose';
import { expirySlot } from '../expiry-slot.ts';

/**
 * A login that a strategy has authenticated but that still has required actions to go through
 * (src/login/required-actions/), keyed by the oidc-provider interaction it belongs to.
 */
const pendingLoginSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    /** The login strategy that authenticated the account (src/login/strategies/). */
    strategy: { type: String, required: true },
    accountId: { type: String, required: true },
    /** Required actions done so far in this login. */
    done: { type: [String], default: undefined },
    /** The authentication methods completed so far (src/oidc/acr.ts), from which acr and amr follow. */
    methods: { type: [String], default: undefined },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);

expirySlot(pendingLoginSchema);

export const PendingLoginModel = mongoose.model('PendingLogin', pendingLoginSchema, 'pending_logins');
