import type { Logger } from '../log.ts';
import { ClaimModel } from './models/claim.ts';
import { OidcRecordModel } from './models/oidc-record.ts';

/** Deletes expired protocol records and claims; reads already ignore them, so this only reclaims space. */
export async function sweepExpired(now = new Date()): Promise<number> {
  const results = await Promise.all([
    OidcRecordModel.deleteMany({ expiresAt: { $lt: now } }),
    ClaimModel.deleteMany({ expiresAt: { $lt: now } }),
  ]);
  return results.reduce((sum, { deletedCount }) => sum + deletedCount, 0);
}

export function startSweeper(intervalMs: number, logger: Logger): () => void {
  const timer = setInterval(() => {
    sweepExpired()
      .then((deletedCount) => deletedCount && logger.debug({ deletedCount }, 'expired oidc records swept'))
      .catch((error) => logger.warn({ err: error }, 'sweep failed'));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
