import type { Context } from 'koa';
import { findTenant } from '../db/lookups.ts';
import { seeOther } from '../http/redirect.ts';
import { tenantLoginUrl } from '../http/tenant.ts';
import type { Flow } from './flow.ts';
import { interactionExpired } from './interaction-context.ts';

/**
 * GET /interaction/:uid/continue: the current required action of a pending login, or, with none
 * left, the finished login. "Move to Login page" opened where the login does not live (another
 * browser, or too late) starts a new login at the university instead.
 */
export function continueLogin(flow: Flow, issuer: string) {
  return async function showCurrentAction(ctx: Context): Promise<void> {
    const login = await flow.pending(ctx);
    if (!login) {
      const tenant = typeof ctx.query.t === 'string' ? await findTenant(ctx.query.t) : undefined;
      return tenant ? ctx.redirect(tenantLoginUrl(tenant, issuer)) : interactionExpired(ctx);
    }
    const action = await flow.current(login);
    if (action) return action.show(ctx, login);
    seeOther(ctx, await flow.finishPending(ctx, login));
  };
}
