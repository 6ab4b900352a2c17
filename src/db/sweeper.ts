import type { Logger } from '../log.ts';
import { ApplicationModel } from './models/application.ts';
import { ApplicationFlowModel } from './models/application-flow.ts';
import { ClaimModel } from './models/claim.ts';
import { OidcRecordModel } from './models/oidc-record.ts';
import { OneTimeTokenModel } from './models/one-time-token.ts';
import { RequiredActionModel } from './models/required-action.ts';
import { SamlRequestModel } from './models/saml.ts';
import { StaffSessionModel } from './models/staff.ts';
import { ThrottleModel } from './models/throttle.ts';

const DAY_MS = 86_400_000;

/**
 * Deletes what has expired (reads already ignore it, so this only reclaims space), and the
 * identification images of decided applications once their retention period has passed.
 */
export async function sweepExpired(now = new Date()): Promise<number> {
  const expired = { expiresAt: { $lt: now } };
  const results = await Promise.all([
    OidcRecordModel.deleteMany(expired),
    ClaimModel.deleteMany(expired),
    ApplicationFlowModel.deleteMany(expired),
    StaffSessionModel.deleteMany(expired),
    RequiredActionModel.deleteMany(expired),
    SamlRequestModel.deleteMany(expired),
    ThrottleModel.deleteMany(expired),
    // Kept a day past expiry so a late click still reads "expired" rather than "invalid".
    OneTimeTokenModel.deleteMany({ expiresAt: { $lt: new Date(now.getTime() - DAY_MS) } }),
  ]);
  const images = await ApplicationModel.updateMany(
    { imagesDeleteAfter: { $lt: now }, imagesDeletedAt: { $exists: false } },
    { $unset: { images: 1 }, $set: { imagesDeletedAt: now } },
  );
  return results.reduce((sum, { deletedCount }) => sum + deletedCount, images.modifiedCount);
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
