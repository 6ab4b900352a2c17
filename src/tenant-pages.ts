import Router from '@koa/router';
import { applicationRoutes } from './application/routes.ts';
import { brandingAssets } from './console/branding.ts';
import { consoleRoutes } from './console/routes.ts';
import { seeOther } from './http/redirect.ts';
import { tenantOf } from './http/state.ts';
import { loadTenantParam } from './http/tenant.ts';
import type { PageDeps } from './page-deps.ts';
import { GRADUATE_RESET, STUDENT_SECOND_PASSWORD_RESET } from './recovery/kinds.ts';
import { recoveryRoutes } from './recovery/routes.ts';
import { staffRoutes } from './review/routes.ts';
import { backToRelyingParty } from './settings/back-to-relying-party.ts';
import { accountRoutes } from './settings/routes.ts';
import { samlServiceRoutes } from './single-logout/routes.ts';
import { studentIdRoutes } from './student-id/routes.ts';

/** Everything under /t/:tenant: the application journey, the staff console, the login journey's part (SAML), the account pages. */
export function tenantPages(deps: PageDeps, login: Router): Router {
  const router = new Router({ prefix: '/t/:tenant' });
  loadTenantParam(router);
  // "Log in here" in mails and after a reset: the university's login URL (the certificate front end)
  // when it has one, else the account pages' own login, never a page without a form.
  router.get('/login', (ctx) => {
    const tenant = tenantOf(ctx);
    seeOther(ctx, tenant.loginUrl || `/t/${tenant._id}/account/login`);
  });
  router.use('/account', backToRelyingParty());
  router.use(applicationRoutes(deps).routes());
  router.use(staffRoutes(deps).routes());
  router.use(consoleRoutes(deps).routes());
  router.use(brandingAssets().routes());
  router.use(studentIdRoutes(deps).routes());
  router.use(accountRoutes(deps).routes());
  router.use(recoveryRoutes(deps, GRADUATE_RESET).routes());
  router.use(recoveryRoutes(deps, STUDENT_SECOND_PASSWORD_RESET).routes());
  router.use(samlServiceRoutes(deps).routes());
  router.use(login.routes());
  return router;
}
