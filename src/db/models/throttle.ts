import mongoose from 'mongoose';
import { expirySlot } from '../expiry-slot.ts';

/** Failure or event counts per key (an account, a client address, a mail address), shared by instances. */
const throttleSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    count: { type: Number, default: 0 },
    windowStart: { type: Date, required: true },
    blockedUntil: { type: Date },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);
expirySlot(throttleSchema);

export type ThrottleRecord = mongoose.InferSchemaType<typeof throttleSchema>;
export const ThrottleModel = mongoose.model('Throttle', throttleSchema, 'throttle');
