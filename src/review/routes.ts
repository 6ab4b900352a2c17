import Router from '@koa/router';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { SecretHasher } from '../security/secrets.ts';
import { staffAuthRoutes } from './auth-routes.ts';
import { staffConsoleRoutes } from './console-routes.ts';

/** /t/:tenant/staff: sign-in pages first (open), then the console (active session required). */
export function staffRoutes(config: Config, hasher: SecretHasher, logger: Logger): Router {
  const router = new Router({ prefix: '/staff' });
  router.use(staffAuthRoutes(config, hasher, logger).routes());
  router.use(staffConsoleRoutes(config, hasher, logger).routes());
  return router;
}
