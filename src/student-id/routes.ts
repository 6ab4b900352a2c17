import Router from '@koa/router';
import type Provider from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { formPost } from '../security/csrf.ts';
import { Throttle } from '../security/throttle.ts';
import { requireAccount } from '../settings/guard.ts';
import { apply, showForm } from './form.ts';
import { mailFormLink, showStart } from './request.ts';

/**
 * Requirement G3 / S4 under /t/:tenant/account/student-id: Register additional student ID number →
 * notes → Send → mail with a one-time URL → form → Check → Application → accepted.
 */
export function studentIdRoutes(provider: Provider, config: Config, logger: Logger): Router {
  const signedIn = requireAccount(provider, config);
  return new Router({ prefix: '/account/student-id' })
    .get('/', signedIn, (ctx) => showStart(ctx))
    .post('/', signedIn, formPost(showStart), mailFormLink(config, new Throttle(config.throttle)))
    .get('/form/:token', (ctx) => showForm(ctx))
    .post('/form/:token', formPost(showForm), apply(logger));
}
