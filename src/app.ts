import type Router from '@koa/router';
import type { JWK } from 'jose';
import type { Middleware } from 'koa';
import compose from 'koa-compose';
import type Provider from 'oidc-provider';
import type { Config } from './config/schema.ts';
import { errorPages } from './http/errors.ts';
import { healthRoutes } from './http/health.ts';
import { languageMiddleware } from './http/lang.ts';
import { securityHeaders } from './http/security-headers.ts';
import { staticRoutes } from './http/static.ts';
import { tenantPages } from './http/tenant-pages.ts';
import type { Logger } from './log.ts';
import { interactionRoutes } from './oidc/interactions.ts';
import { createProvider } from './oidc/provider.ts';
import { csrfMiddleware } from './security/csrf.ts';
import type { SecretHasher } from './security/secrets.ts';

export interface AppDependencies {
  config: Config;
  logger: Logger;
  hasher: SecretHasher;
  jwks: { keys: JWK[] };
  cookieKeys: string[];
  /** Development-only pages (the mail catcher). */
  devPages?: Router;
}

/**
 * The provider is itself the Koa application: our routes are middleware placed before its own, so
 * a path we do not serve falls through to oidc-provider's endpoints.
 */
export function buildApp({ config, logger, hasher, jwks, cookieKeys, devPages }: AppDependencies): Provider {
  const provider = createProvider(config, jwks, cookieKeys);
  provider.on('server_error', (_ctx, error) => logger.error({ err: error }, 'oidc server error'));
  provider.on('backchannel.error', (_ctx, error, client) =>
    logger.warn({ err: error, client: client.clientId }, 'back-channel logout failed'),
  );
  provider.on('backchannel.success', (_ctx, client) => logger.info({ client: client.clientId }, 'back-channel logout delivered'));

  provider.use(async (ctx, next) => {
    const started = performance.now();
    await next();
    const ms = Math.round(performance.now() - started);
    const level = ctx.path === '/healthz' || ctx.path === '/readyz' ? 'debug' : 'info';
    logger[level]({ method: ctx.method, path: ctx.path, status: ctx.status, ms }, 'request');
  });
  provider.use(healthRoutes().routes());
  provider.use(staticRoutes().routes());

  const notFound: Middleware = (ctx) => ctx.throw(404);
  const pages = compose([
    securityHeaders(),
    languageMiddleware(),
    csrfMiddleware(),
    errorPages(logger),
    interactionRoutes(provider, hasher, logger).routes() as Middleware,
    tenantPages(provider, config, hasher, logger).routes() as Middleware,
    ...(devPages ? [devPages.routes() as Middleware] : []),
    notFound,
  ]);
  // Our pages get language, CSRF and error pages; oidc-provider's endpoints keep their own handling.
  const ours = (path: string) =>
    path.startsWith('/interaction/') || path.startsWith('/t/') || (Boolean(devPages) && path.startsWith('/dev/'));
  provider.use((ctx, next) => (ours(ctx.path) ? pages(ctx, next) : next()));
  return provider;
}
