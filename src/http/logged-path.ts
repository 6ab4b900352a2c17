import type { Context } from 'koa';

/**
 * A path segment that may be a secret: a one-time URL's token, an interaction or session id — at
 * least 16 characters of the base64url alphabet, the shape every random id of ours and
 * oidc-provider's has. Tenant ids, page names and numbers are shorter or have other characters.
 */
const SECRET_SEGMENT = /^[A-Za-z0-9_-]{16,}$/;

/**
 * The path as a log line may hold it (requirement X3.1): the route's pattern where one of our routers
 * matched (`/t/:tenant/password-reset/:token`), else the path with every secret-shaped segment
 * replaced. Never the query string. Anyone who can read logs must not be able to open a one-time URL.
 */
export function loggedPath(ctx: Context): string {
  const pattern = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
  if (typeof pattern === 'string' && pattern !== '' && !pattern.includes('(')) return pattern;
  return ctx.path
    .split('/')
    .map((segment) => (SECRET_SEGMENT.test(segment) ? ':redacted' : segment))
    .join('/');
}
