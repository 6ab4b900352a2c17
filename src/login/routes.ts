import Router from '@koa/router';
import type { PageDeps } from '../page-deps.ts';
import { consentRoutes } from './consent.ts';
import { continueLogin } from './continue-page.ts';
import { loginFlow } from './flow.ts';
import { loginPage } from './login-page.ts';
import { requiredActions } from './required-actions/index.ts';
import { strategies } from './strategies/index.ts';

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
