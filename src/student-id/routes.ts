import Router from '@koa/router';
import type { PageDeps } from '../page-deps.ts';
import { formPost } from '../security/csrf.ts';
import { requireAccount } from '../settings/guard.ts';
import { apply, showForm } from './form.ts';
import { mailFormLink, showStart } from './request.ts';

/**
 * Requirement G3 / S4 under /t/:tenant/account/student-id: Register additional student ID number →
 * notes → Send → mail with a one-time URL → form → Check → Application → accepted.
 */
export function studentIdRoutes({ provider, config, logger, throttle }: PageDeps): Router {
  const signedIn = requireAccount(provider, config);
  return new Router({ prefix: '/account/student-id' })
    .get('/', signedIn, (ctx) => showStart(ctx))
    .post('/', signedIn, formPost(showStart), mailFormLink(config, throttle))
    .get('/form/:token', (ctx) => showForm(ctx))
    .post('/form/:token', formPost(showForm), apply(logger));
}
