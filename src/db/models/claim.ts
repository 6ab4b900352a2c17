import mongoose from 'mongoose';

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
claimSchema.index({ expiresAt: 1 });

export const ClaimModel = mongoose.model('Claim', claimSchema, 'claims');
