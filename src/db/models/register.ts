import mongoose from 'mongoose';
import { expirySlot } from '../expiry-slot.ts';

/**
 * One graduate of the university's register (issue 27), what reviewers compare applications with.
 * The record is sealed (AES-256-GCM, the identification images' key: src/db/image-crypto.ts); it is
 * found by keyed hashes of its student ID, birth date and names (blind indexes), never by plain text.
 */
const registerEntrySchema = new mongoose.Schema(
  {
    tenantId: { type: String, required: true },
    studentKey: { type: String, required: true },
    birthKey: { type: String },
    kanjiKey: { type: String },
    kanaKey: { type: String },
    /** The RegisterRecord as JSON, sealed. */
    sealed: { type: Buffer, required: true },
    /** The upload that last wrote the entry (its audit record has the same id). */
    uploadId: { type: String, required: true },
  },
  { timestamps: true, versionKey: false },
);
registerEntrySchema.index({ tenantId: 1, studentKey: 1 });
registerEntrySchema.index({ tenantId: 1, uploadId: 1 });
registerEntrySchema.index({ tenantId: 1, birthKey: 1 });
registerEntrySchema.index({ tenantId: 1, kanjiKey: 1 });
registerEntrySchema.index({ tenantId: 1, kanaKey: 1 });

export const RegisterEntryModel = mongoose.model('RegisterEntry', registerEntrySchema, 'register_entries');

/**
 * A register file uploaded and not yet applied: kept sealed for half an hour while the staff member
 * maps its columns and reads the preview, so the file is sent once and never travels back in a page.
 */
const registerUploadSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    staffId: { type: String, required: true },
    fileName: { type: String, default: '' },
    sealed: { type: Buffer, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);
expirySlot(registerUploadSchema);

export const RegisterUploadModel = mongoose.model('RegisterUpload', registerUploadSchema, 'register_uploads');
