import mongoose from 'mongoose';
import type { Logger } from '../log.ts';
import { isDuplicateKey } from './duplicate-key.ts';
import { SLOT_MS, slotOf } from './expiry-slot.ts';
import { ApplicationModel } from './models/application.ts';
import { ApplicationDraftModel } from './models/application-draft.ts';
import { ClaimModel } from './models/claim.ts';
import { OneTimeTokenModel } from './models/one-time-token.ts';
import { WebAuthnChallengeModel } from './models/passkey.ts';
import { PendingLoginModel } from './models/pending-login.ts';
import { RegisterUploadModel } from './models/register.ts';
import { SamlRequestModel } from './models/saml.ts';
import { StaffSessionModel } from './models/staff.ts';

const DAY_MS = 86_400_000;
/** Past this many slots (a week) since the last sweep, one pass by range instead of slot by slot. */
const MAX_SLOTS = (7 * DAY_MS) / SLOT_MS;

/** When the last sweep ran, shared by every process (any of them may sweep). */
const SweepModel = mongoose.model(
  'Sweep',
  new mongoose.Schema({ _id: { type: String, required: true }, until: { type: Date, required: true } }, { versionKey: false }),
  'sweeps',
);

type Filter = Record<string, unknown>;

/** The expiring collections, and how long past expiry each keeps its records. */
const EXPIRING: Array<{ collection: mongoose.Collection; keepMs: number }> = [
  ClaimModel,
  ApplicationDraftModel,
  StaffSessionModel,
  PendingLoginModel,
  WebAuthnChallengeModel,
  SamlRequestModel,
  RegisterUploadModel,
].map((model) => ({ collection: model.collection, keepMs: 0 }));
// Kept a day past expiry so a late click still reads "expired" rather than "invalid".
EXPIRING.push({ collection: OneTimeTokenModel.collection, keepMs: DAY_MS });

/**
 * The filters that find what expired by `until` and was not swept by the last sweep (at `since`):
 * one per slot since then (equality, served by an index on the embedded database), the open slot
 * limited by the date itself. With no earlier sweep, or a long pause, one filter by the date alone.
 */
function expiredFilters(field: string, slotField: string, since: Date | undefined, until: Date): Filter[] {
  const byDate = { [field]: { $lt: until } };
  const last = slotOf(until);
  // One slot of margin before the last sweep, and never past `until`: another process's clock may run ahead.
  const first = since ? Math.min(slotOf(since), last) - 1 : undefined;
  if (first === undefined || last - first > MAX_SLOTS) return [byDate];
  return Array.from({ length: last - first + 1 }, (_, i) => ({ [slotField]: first + i, ...byDate }));
}

/**
 * Deletes what has expired (reads already ignore it, so this only reclaims space), and the
 * identification images of decided applications once their retention period has passed.
 */
export async function sweepExpired(now = new Date()): Promise<number> {
  const since = (await SweepModel.findById('expired').lean())?.until;
  const earlier = (date: Date | undefined, ms: number) => date && new Date(date.getTime() - ms);
  const deletions = EXPIRING.flatMap(({ collection, keepMs }) =>
    expiredFilters('expiresAt', 'expirySlot', earlier(since, keepMs), earlier(now, keepMs) as Date).map((filter) =>
      collection.deleteMany(filter).then((result) => result.deletedCount),
    ),
  );
  const images = expiredFilters('imagesDeleteAfter', 'imagesDeleteSlot', since, now).map((filter) =>
    ApplicationModel.updateMany(
      { ...filter, imagesDeletedAt: { $exists: false } },
      { $unset: { images: 1 }, $set: { imagesDeletedAt: now } },
    ).then((result) => result.modifiedCount),
  );
  const counts = await Promise.all([...deletions, ...images]);
  await SweepModel.replaceOne({ _id: 'expired' }, { until: now }, { upsert: true }).catch((error) => {
    if (!isDuplicateKey(error)) throw error; // another process swept at the same moment
  });
  return counts.reduce((sum, count) => sum + count, 0);
}

export function startSweeper(intervalMs: number, logger: Logger): () => void {
  const timer = setInterval(() => {
    sweepExpired()
      .then((count) => count && logger.debug({ count }, 'expired records swept'))
      .catch((error) => logger.warn({ err: error }, 'sweep failed'));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
