import mongoose from 'mongoose';

/** The outbox: every mail is stored here first, then sent by the worker (src/mail/worker.ts), which deletes it once sent. */
const mailSchema = new mongoose.Schema(
  {
    tenantId: { type: String },
    to: { type: String, required: true },
    subject: { type: String, required: true },
    text: { type: String, required: true },
    /**
     * withheld: written only so that a request costs the same whether or not the address is known;
     * cancelled: a reviewer undid the decision while the mail was still held (src/review/undo.ts).
     */
    status: { type: String, enum: ['pending', 'failed', 'withheld', 'cancelled'], default: 'pending' },
    attempts: { type: Number, default: 0 },
    nextAttemptAt: { type: Date, default: () => new Date() },
    lastError: { type: String },
  },
  { timestamps: true, versionKey: false },
);
mailSchema.index({ status: 1, nextAttemptAt: 1 });

export type Mail = mongoose.InferSchemaType<typeof mailSchema> & { _id: mongoose.Types.ObjectId };
export const MailModel = mongoose.model('Mail', mailSchema, 'mail_outbox');
