import type Router from '@koa/router';
import type { JWK } from 'jose';
import type { Middleware } from 'koa';
import compose from 'koa-compose';
import type Provider from 'oidc-provider';
import type { Config } from './config/schema.ts';
import { useBreachRange } from './credentials/breach-range.ts';
import { StoreOutage } from './db/protocol-store.ts';
import { ServiceError } from './errors.ts';
import { errorPages } from './http/errors.ts';
import { healthRoutes } from './http/health.ts';
import { languageMiddleware } from './http/lang.ts';
import { loggedPath } from './http/logged-path.ts';
import { shedLoad } from './http/overload.ts';
import { toFormsPage } from './http/post-only.ts';
import { requestIds } from './http/request-id.ts';
import { securityHeaders } from './http/security-headers.ts';
import { staticRoutes } from './http/static.ts';
import { render } from './http/views.ts';
import type { Logger } from './log.ts';
import { loginRoutes } from './login/routes.ts';
import { httpSeconds, routeGroup } from './metrics.ts';
import { rememberBrowser } from './oidc/adapter.ts';
import { createProvider } from './oidc/provider.ts';
import { federationReadiness } from './saml/federation/readiness.ts';
import { ServiceProviders } from './saml/service-provider.ts';
import type { SpKey } from './saml/sp-keys.ts';
import { csrfMiddleware } from './security/csrf.ts';
import { Guesses } from './security/guesses.ts';
import type { SecretHasher } from './security/secrets.ts';
import { Throttle } from './security/throttle.ts';
import { tenantPages } from './tenant-pages.ts';

export interface AppDependencies {
  config: Config;
  logger: Logger;
  hasher: SecretHasher;
  jwks: { keys: JWK[] };
  cookieKeys: string[];
  /** Our SAML SP keys (keys/saml-sp.json); the first signs. */
  spKeys: SpKey[];
  /** Development-only pages (the mail catcher). */
  devPages?: Router;
}

/**
 * The provider is itself the Koa application: our routes are middleware placed before its own, so
 * a path we do not serve falls through to oidc-provider's endpoints.
 */
export function buildApp({ config, logger, hasher, jwks, cookieKeys, spKeys, devPages }: AppDependencies): Provider {
  useBreachRange(config.passwordBreachUrl, logger);
  const provider = createProvider(config, jwks, cookieKeys);
  const sps = new ServiceProviders(config.issuer, spKeys, config.saml.clockSkewSeconds);
  const throttle = new Throttle(config.throttle);
  const deps = { provider, config, sps, hasher, logger, throttle, guesses: new Guesses(config.throttle, logger) };
  provider.on('server_error', (_ctx, error) =>
    error instanceof StoreOutage
      ? logger.warn({ err: error }, 'the protocol store is out of reach: answered 503')
      : logger.error({ err: error }, 'oidc server error'),
  );
  provider.on('backchannel.error', (_ctx, error, client) =>
    logger.warn({ err: error, client: client.clientId }, 'back-channel logout failed'),
  );
  provider.on('backchannel.success', (_ctx, client) => logger.info({ client: client.clientId }, 'back-channel logout delivered'));

  // Every response gets the same headers, oidc-provider's own pages (errors, logout) included; its
  // form_post page adds its script's hash to our CSP itself.
  provider.use(requestIds(config.trustProxy));
  provider.use(securityHeaders());
  provider.use(shedLoad(config.maxInFlight));
  provider.use(rememberBrowser());
  provider.use(async (ctx, next) => {
    const started = performance.now();
    await next();
    const ms = Math.round(performance.now() - started);
    httpSeconds.observe({ route: routeGroup(ctx.path), status: `${Math.floor(ctx.status / 100)}xx` }, ms / 1000);
    const level = ctx.path === '/healthz' || ctx.path === '/readyz' ? 'debug' : 'info';
    logger[level]({ method: ctx.method, path: loggedPath(ctx), status: ctx.status, ms }, 'request');
  });
  provider.use(healthRoutes(config.readiness.strict, [federationReadiness]).routes());
  provider.use(staticRoutes().routes());

  const notFound: Middleware = (ctx) => ctx.throw(404);
  // One-time URLs are 256-bit, so guessing is hopeless; still, a client trying many is slowed down.
  const tokenPath =
    /^\/t\/[^/]+\/(apply\/verify|apply\/resubmit|password-reset|second-password-reset|student-mail|account\/email\/verify|account\/student-id\/form)\/[^/]+$/;
  const tokenGuessing: Middleware = async (ctx, next) => {
    if (!tokenPath.test(ctx.path)) return next();
    const key = `token-ip:${ctx.ip}`;
    const wait = await throttle.waitSeconds([key]);
    if (wait) {
      throw new ServiceError(429, 'throttle.tooMany', { retryAfter: wait });
    }
    await next();
    if (ctx.status === 404) await throttle.fail(key, 10);
  };
  const login = loginRoutes(deps);
  const tenant = tenantPages(deps, login.tenant);
  // The service's own address: a page saying where to start, not a bare "Not Found" (issue 28 item 4).
  const serviceHome: Middleware = (ctx, next) =>
    ctx.path === '/' && ctx.method === 'GET' ? render(ctx, 'service-home', {}) : next();
  const pages = compose([
    languageMiddleware(),
    csrfMiddleware(),
    errorPages(logger),
    serviceHome,
    tokenGuessing,
    login.interaction.routes() as Middleware,
    tenant.routes() as Middleware,
    ...(devPages ? [devPages.routes() as Middleware] : []),
    toFormsPage([login.interaction, tenant]),
    notFound,
  ]);
  // Our pages get language, CSRF and error pages; oidc-provider's endpoints keep their own handling.
  const ours = (path: string) =>
    path === '/' || path.startsWith('/interaction/') || path.startsWith('/t/') || (Boolean(devPages) && path.startsWith('/dev/'));
  provider.use(async (ctx, next) => {
    if (ours(ctx.path)) return pages(ctx, next);
    await next();
    // An address nobody answered (not oidc-provider's either): our page, in the reader's language.
    if (ctx.status === 404 && ctx.body == null && ctx.method === 'GET') await pages(ctx, async () => undefined);
  });
  return provider;
}
