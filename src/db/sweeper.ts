import type { Logger } from '../log.ts';
import { OidcRecordModel } from './models/oidc-record.ts';

/** Deletes expired protocol records; reads already ignore them, so this only reclaims space. */
export function startSweeper(intervalMs: number, logger: Logger): () => void {
  const sweep = async () => {
    try {
      const { deletedCount } = await OidcRecordModel.deleteMany({ expiresAt: { $lt: new Date() } });
      if (deletedCount) logger.debug({ deletedCount }, 'expired oidc records swept');
    } catch (error) {
      logger.warn({ err: error }, 'sweep failed');
    }
  };
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
