import type { Middleware } from 'koa';
import { overloadRefusals, inFlight as requestsInFlight } from '../metrics.ts';

/**
 * Sheds load before it piles up: past `limit` requests in progress, answer 503 with Retry-After at
 * once, so clients back off instead of timing out and the process never runs out of memory. Health
 * checks always pass through.
 */
export function shedLoad(limit: number): Middleware {
  let inFlight = 0;
  return async (ctx, next) => {
    if (ctx.path === '/healthz') return next();
    if (inFlight >= limit) {
      overloadRefusals.inc();
      ctx.status = 503;
      ctx.set('Retry-After', '1');
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { error: 'temporarily_unavailable', error_description: 'the service is busy; retry shortly' };
      return;
    }
    inFlight++;
    requestsInFlight.inc();
    try {
      await next();
    } finally {
      inFlight--;
      requestsInFlight.dec();
    }
  };
}
