import mongoose from 'mongoose';
import { expirySlot } from '../expiry-slot.ts';

/**
 * A claim is won by inserting its key as `_id`: a unique-key insert is atomic on MongoDB and on
 * FerretDB alike, whereas FerretDB's findOneAndUpdate is not atomic between concurrent callers.
 */
const claimSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);
expirySlot(claimSchema);

export const ClaimModel = mongoose.model('Claim', claimSchema, 'claims');
