import type { Middleware } from 'koa';
import helmet from 'koa-helmet';

/**
 * Our pages: a CSP with no inline script, never framed (clickjacking of the login and staff pages),
 * no Referer (one-time tokens are in URL paths), and HSTS only over TLS, where it means something.
 * form-action is left out: a login's redirect chain ends at each relying party's own origin.
 */
export function securityHeaders(): Middleware {
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // https: for the universities' logos that federation metadata names (the discovery page).
        imgSrc: ["'self'", 'data:', 'blob:', 'https:'],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
    crossOriginEmbedderPolicy: false,
  }) as unknown as Middleware;
  return async (ctx, next) => {
    if (ctx.secure) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await headers(ctx, next);
  };
}
