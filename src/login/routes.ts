import Router from '@koa/router';
import type { Context } from 'koa';
import { findTenant } from '../db/lookups.ts';
import { seeOther } from '../http/redirect.ts';
import { tenantLoginUrl } from '../http/tenant.ts';
import type { PageDeps } from '../oidc/page-deps.ts';
import { consentRoutes } from './consent.ts';
import { type Flow, loginFlow } from './flow.ts';
import { interactionExpired } from './interaction-context.ts';
import { loginPage } from './login-page.ts';
import { requiredActions } from './required-actions/index.ts';
import { strategies } from './strategies/index.ts';

/**
 * GET /interaction/:uid/continue: the current required action of a pending login, or, with none
 * left, the finished login. "Move to Login page" opened where the login does not live (another
 * browser, or too late) starts a new login at the university instead.
 */
function continueLogin(flow: Flow, issuer: string) {
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

/**
 * The login journey: /interaction/:uid (the login page, each strategy's routes, the required
 * actions and consent) and what it serves under /t/:tenant (the SAML ACS, the mailed address link).
 */
export function loginRoutes(deps: PageDeps): { interaction: Router; tenant: Router } {
  const flow = loginFlow(deps);
  const interaction = new Router({ prefix: '/interaction/:uid' });
  interaction.get('/', loginPage(deps.provider));
  interaction.get('/continue', continueLogin(flow, deps.config.issuer));
  const tenant = new Router();
  for (const part of [...strategies, ...requiredActions]) {
    const own = part.interactionRoutes?.(deps, flow);
    if (own) interaction.use(own.routes());
    const underTenant = part.tenantRoutes?.(deps, flow);
    if (underTenant) tenant.use(underTenant.routes());
  }
  interaction.use(consentRoutes(deps.provider, deps.logger).routes());
  return { interaction, tenant };
}
