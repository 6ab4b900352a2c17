import { randomBytes } from 'node:crypto';
import { blindIndex, openText, sealText } from '../db/image-crypto.ts';
import { RegisterEntryModel, RegisterUploadModel } from '../db/models/register.ts';
import { TenantModel } from '../db/models/tenant.ts';
import { kanaKey, kanjiKey } from '../text/likeness.ts';
import { typedDay } from '../text/typed-date.ts';
import type { RegisterRecord } from './register-csv.ts';

/** How long an uploaded file waits for its columns to be mapped and the preview to be applied. */
const UPLOAD_MINUTES = 30;
const BATCH = 500;

/** replace: the file is the whole register; extend: its graduates are added or updated, the rest kept. */
export type RegisterMode = 'replace' | 'extend';

/** The blind indexes a record is found by (src/db/models/register.ts). */
function keysOf(record: Pick<RegisterRecord, 'studentId' | 'birthdate' | 'nameKanji' | 'nameKana'>) {
  return {
    studentKey: blindIndex('student', record.studentId.toUpperCase()),
    birthKey: record.birthdate ? blindIndex('birth', record.birthdate) : undefined,
    kanjiKey: record.nameKanji ? blindIndex('kanji', kanjiKey(record.nameKanji)) : undefined,
    kanaKey: record.nameKana ? blindIndex('kana', kanaKey(record.nameKana)) : undefined,
  };
}

const recordOf = (entry: { sealed: Buffer | { buffer: Uint8Array } }) => JSON.parse(openText(entry.sealed)) as RegisterRecord;

/** Keeps an uploaded file, sealed, until it is applied or half an hour has passed; returns its id. */
export async function stageRegisterUpload(tenantId: string, staffId: string, fileName: string, text: string): Promise<string> {
  const _id = randomBytes(16).toString('base64url');
  const expiresAt = new Date(Date.now() + UPLOAD_MINUTES * 60_000);
  await RegisterUploadModel.create({
    _id,
    tenantId,
    staffId,
    fileName: fileName.slice(0, 200),
    sealed: sealText(text),
    expiresAt,
  });
  return _id;
}

/** An upload of this university's, by the staff member who made it, not yet expired; null otherwise. */
export async function stagedRegisterUpload(tenantId: string, staffId: string, id: string) {
  const upload = await RegisterUploadModel.findOne({ _id: id, tenantId, staffId }).lean();
  if (!upload || upload.expiresAt < new Date()) return null;
  return { id: upload._id, fileName: upload.fileName, text: openText(upload.sealed) };
}

export const dropRegisterUpload = (id: string) => RegisterUploadModel.deleteOne({ _id: id });

/** Matches computed before now are computed again (src/review/register-match.ts). */
const registerChanged = (tenantId: string) =>
  TenantModel.updateOne({ _id: tenantId }, { $set: { registerUpdatedAt: new Date() } });

/** What applying `records` would do: graduates added, changed, unchanged, and (replace) removed. */
export async function registerChanges(tenantId: string, records: RegisterRecord[], mode: RegisterMode) {
  const current = new Map<string, string>();
  for (const entry of await RegisterEntryModel.find({ tenantId }, { studentKey: 1, sealed: 1 }).lean()) {
    current.set(entry.studentKey, openText(entry.sealed));
  }
  const counts = { added: 0, changed: 0, unchanged: 0, removed: 0 };
  const kept = new Set<string>();
  for (const record of records) {
    const key = keysOf(record).studentKey;
    kept.add(key);
    const before = current.get(key);
    if (before === undefined) counts.added++;
    else if (before === JSON.stringify(record)) counts.unchanged++;
    else counts.changed++;
  }
  if (mode === 'replace') counts.removed = [...current.keys()].filter((key) => !kept.has(key)).length;
  return counts;
}

/**
 * Writes the records, each sealed, as new entries of this upload, then removes the entries they replace
 * (replace: every other entry of the university; extend: the others of the same student IDs). Inserts and
 * one delete by upload are what the embedded database does fast (an update per graduate, each found by
 * its keys, is not). Until the delete, a graduate may have two entries, either of which is right; a run
 * cut short is completed by applying the same upload again, which first removes what it wrote.
 */
export async function applyRegister(tenantId: string, uploadId: string, records: RegisterRecord[], mode: RegisterMode) {
  await RegisterEntryModel.deleteMany({ tenantId, uploadId });
  for (let i = 0; i < records.length; i += BATCH) {
    const batch = records.slice(i, i + BATCH);
    const entries = batch.map((record) => ({ tenantId, uploadId, ...keysOf(record), sealed: sealText(JSON.stringify(record)) }));
    await RegisterEntryModel.insertMany(entries, { ordered: false });
    if (mode === 'extend') {
      const studentKey = { $in: entries.map((entry) => entry.studentKey) };
      await RegisterEntryModel.deleteMany({ tenantId, studentKey, uploadId: { $ne: uploadId } });
    }
  }
  if (mode === 'replace') await RegisterEntryModel.deleteMany({ tenantId, uploadId: { $ne: uploadId } });
  await registerChanged(tenantId);
}

export const registerSize = (tenantId: string) => RegisterEntryModel.countDocuments({ tenantId });

/** Removes the whole register of a university; returns how many graduates it held. */
export async function deleteRegister(tenantId: string): Promise<number> {
  const { deletedCount } = await RegisterEntryModel.deleteMany({ tenantId });
  await TenantModel.updateOne({ _id: tenantId }, { $unset: { registerUpdatedAt: 1 } });
  return deletedCount;
}

/** The register's graduate with this student ID, or null. */
export async function registerEntry(tenantId: string, studentId: string): Promise<RegisterRecord | null> {
  if (!studentId) return null;
  const entry = await RegisterEntryModel.findOne({
    tenantId,
    studentKey: keysOf({ studentId } as RegisterRecord).studentKey,
  }).lean();
  return entry ? recordOf(entry) : null;
}

/**
 * Graduates the register holds with the same birth date or the same name (kanji or kana, in any of
 * the ways the names are folded): the candidates when the student ID is wrong or missing.
 */
export async function registerCandidates(tenantId: string, typed: { birthdate?: string; nameKanji?: string; nameKana?: string }) {
  const birthdate = typed.birthdate ? (typedDay(typed.birthdate) ?? '') : '';
  const { birthKey, kanjiKey, kanaKey } = keysOf({
    studentId: '',
    birthdate,
    nameKanji: typed.nameKanji ?? '',
    nameKana: typed.nameKana ?? '',
  });
  const filters = Object.entries({ birthKey, kanjiKey, kanaKey }).filter(([, value]) => value);
  const found = await Promise.all(
    filters.map(([field, value]) =>
      RegisterEntryModel.find({ tenantId, [field]: value })
        .limit(50)
        .lean(),
    ),
  );
  const unique = new Map(found.flat().map((entry) => [entry.studentKey, entry]));
  return [...unique.values()].map(recordOf);
}
