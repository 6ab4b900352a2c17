import Router from '@koa/router';
import type Provider from 'oidc-provider';
import { recoveryRoutes } from '../account/recovery.ts';
import { accountRoutes } from '../account/routes.ts';
import { studentIdRoutes } from '../account/student-id.ts';
import type { Config } from '../config/schema.ts';
import { applicationRoutes } from '../flows/application/routes.ts';
import type { Logger } from '../log.ts';
import { staffRoutes } from '../review/routes.ts';
import type { SecretHasher } from '../security/secrets.ts';
import { loadTenantParam } from './tenant.ts';
import { render } from './views.ts';

/** Everything under /t/:tenant: the application journey, the staff console, the tenant's own pages. */
export function tenantPages(provider: Provider, config: Config, hasher: SecretHasher, logger: Logger): Router {
  const router = new Router({ prefix: '/t/:tenant' });
  loadTenantParam(router);
  router.get('/login', (ctx) => render(ctx, 'tenant-login'));
  router.use(applicationRoutes(config, logger).routes());
  router.use(staffRoutes(config, hasher, logger).routes());
  router.use(studentIdRoutes(provider, config, logger).routes());
  router.use(accountRoutes(provider, config, hasher, logger).routes());
  router.use(recoveryRoutes(config, hasher, logger).routes());
  return router;
}
