import Router from '@koa/router';
import { pingDatabase } from '../db/connection.ts';
import { pingStore } from '../db/protocol-store.ts';
import { oldestPendingMailAgeMs } from '../mail/outbox.ts';
import { keyAgeDays } from '../metrics.ts';

/** Mail waiting longer than this means delivery is failing (the worker retries within minutes). */
const MAIL_STALE_MINUTES = 30;
/** A key that has signed longer than this is due for rotation (docs/operations.md). */
const KEY_OLD_DAYS = 365;

/**
 * /healthz: the process answers. /readyz: it can serve logins — the database and the protocol store answer (503
 * otherwise, with the reason). A mail outbox that stopped moving is reported as `degraded` but
 * stays 200: taking every instance out of the load balancer because SMTP is down would stop logins
 * too, and mail is kept and sent once SMTP returns (docs/operations.md). With `strict` (an operator's
 * choice) any reason answers 503.
 */
/** A part of readiness contributed from above this layer (federations): its detail, and reasons if unwell. */
export type ReadinessCheck = () => Promise<{ name: string; detail: unknown; reasons: string[] }>;

export function healthRoutes(strict = false, checks: ReadinessCheck[] = []): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const [database, protocolStore] = await Promise.all([pingDatabase(), pingStore()]);
    if (!database || !protocolStore) {
      ctx.status = 503;
      const reasons = [...(database ? [] : ['database']), ...(protocolStore ? [] : ['protocol-store'])];
      ctx.body = { status: 'unavailable', reasons, database, protocolStore };
      return;
    }
    const oldestPendingMinutes = await oldestPendingMailAgeMs().then(
      (ms) => Math.floor(ms / 60_000),
      () => -1,
    );
    const keys = { signingAgeDays: keyAgeDays('signing'), samlSpAgeDays: keyAgeDays('saml-sp'), oldAfterDays: KEY_OLD_DAYS };
    const extra = await Promise.all(checks.map((check) => check()));
    const reasons = [
      ...extra.flatMap((check) => check.reasons),
      ...(oldestPendingMinutes >= MAIL_STALE_MINUTES ? ['mail-outbox'] : []),
      ...((keys.signingAgeDays ?? 0) >= KEY_OLD_DAYS ? ['signing-key-old'] : []),
      ...((keys.samlSpAgeDays ?? 0) >= KEY_OLD_DAYS ? ['saml-sp-key-old'] : []),
    ];
    if (strict && reasons.length) ctx.status = 503;
    ctx.body = {
      status: reasons.length ? 'degraded' : 'ready',
      reasons,
      database: true,
      protocolStore: true,
      mail: { oldestPendingMinutes, staleAfterMinutes: MAIL_STALE_MINUTES },
      keys,
      ...Object.fromEntries(extra.map((check) => [check.name, check.detail])),
    };
  });
  return router;
}
