import Router from '@koa/router';
import type { Config } from '../config/schema.ts';
import { applicationRoutes } from '../flows/application/routes.ts';
import type { Logger } from '../log.ts';
import { loadTenantParam } from './tenant.ts';
import { render } from './views.ts';

/** Everything under /t/:tenant: the application journey and the tenant's own pages. */
export function tenantPages(config: Config, logger: Logger): Router {
  const router = new Router({ prefix: '/t/:tenant' });
  loadTenantParam(router);
  router.get('/login', (ctx) => render(ctx, 'tenant-login'));
  router.use(applicationRoutes(config, logger).routes());
  return router;
}
