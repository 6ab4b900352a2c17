import Router from '@koa/router';
import { GRADUATE_RESET, recoveryRoutes, STUDENT_SECOND_PASSWORD_RESET } from '../account/recovery.ts';
import { accountRoutes } from '../account/routes.ts';
import { studentIdRoutes } from '../account/student-id.ts';
import { studentMailRoutes } from '../account/student-mail.ts';
import { applicationRoutes } from '../flows/application/routes.ts';
import { staffRoutes } from '../review/routes.ts';
import { samlRoutes } from '../saml/routes.ts';
import type { PageDeps } from './page-deps.ts';
import { loadTenantParam } from './tenant.ts';
import { render } from './views.ts';

/** Everything under /t/:tenant: the application journey, the staff console, SAML, the tenant's own pages. */
export function tenantPages(deps: PageDeps): Router {
  const { provider, config, sps, hasher, logger } = deps;
  const router = new Router({ prefix: '/t/:tenant' });
  loadTenantParam(router);
  router.get('/login', (ctx) => render(ctx, 'tenant-login'));
  router.use(applicationRoutes(config, logger).routes());
  router.use(staffRoutes(config, hasher, logger).routes());
  router.use(studentIdRoutes(provider, config, logger).routes());
  router.use(accountRoutes(deps).routes());
  router.use(recoveryRoutes(config, hasher, logger, GRADUATE_RESET).routes());
  router.use(recoveryRoutes(config, hasher, logger, STUDENT_SECOND_PASSWORD_RESET).routes());
  router.use(samlRoutes(config, sps, logger).routes());
  router.use(studentMailRoutes(logger).routes());
  return router;
}
