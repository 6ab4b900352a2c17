import mongoose from 'mongoose';

/** A security event: who did what, when, from where. Never secrets or images. */
const auditSchema = new mongoose.Schema(
  {
    at: { type: Date, required: true },
    event: { type: String, required: true },
    tenantId: { type: String },
    accountId: { type: String },
    staffId: { type: String },
    operator: { type: String },
    applicationId: { type: String },
    ip: { type: String },
    /** The request that wrote it (its X-Request-Id, the code on an error page). */
    requestId: { type: String },
    detail: { type: mongoose.Schema.Types.Mixed },
  },
  { versionKey: false },
);
auditSchema.index({ tenantId: 1, at: -1 });
auditSchema.index({ event: 1, at: -1 });
auditSchema.index({ requestId: 1 });

export type AuditEntry = mongoose.InferSchemaType<typeof auditSchema>;
export const AuditModel = mongoose.model('Audit', auditSchema, 'audit');
