import type { Context, Middleware } from 'koa';
import { isDatabaseOutage, ServiceError, type WayOn } from '../errors.ts';
import type { Logger } from '../log.ts';
import { loggedPath } from './logged-path.ts';
import { lastUniversity, useTenant } from './tenant.ts';
import { render } from './views.ts';

/** The ServiceError of anything our routes throw: one as it says, the database's outage as 503, anything else by its status. */
function asServiceError(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  // The database out of reach is a temporary state: say so (503), do not call it a bug.
  if (isDatabaseOutage(error)) return new ServiceError(503, 'error.unavailable', { retryAfter: 5 });
  const status = (error as { status?: number } | null)?.status ?? 500;
  return new ServiceError(status, status === 404 ? 'error.notFound' : status === 503 ? 'error.unavailable' : 'error.generic');
}

/**
 * Every error page has a way on (issue 28 item 4): the one the thrower named, else the university's
 * login (its certificate service) when the page is one of a university's.
 */
function wayOn(ctx: Context, error: ServiceError): WayOn | undefined {
  if (error.wayOn) return error.wayOn;
  const tenant = ctx.state.tenant;
  return tenant ? { href: `/t/${tenant._id}/login`, label: 'error.toLogin' } : undefined;
}

async function renderServiceError(ctx: Context, error: ServiceError): Promise<void> {
  if (error.retryAfter) ctx.set('Retry-After', String(error.retryAfter));
  // An address under a university that no route knew, or a login page that expired (the university of
  // this browser's last login, src/login/interaction-context.ts): the page is still that university's.
  const fromPath = error.status === 404 ? ctx.path.match(/^\/t\/([^/]+)\//)?.[1] : undefined;
  const tenantId = ctx.state.tenant ? undefined : (fromPath ?? lastUniversity(ctx));
  if (tenantId) await useTenant(ctx, tenantId).catch(() => false);
  render(ctx, 'error', { messageKey: error.code, code: ctx.state.requestId, wayOn: wayOn(ctx, error) }, error.status);
}

/**
 * Any error in our routes becomes a localised page with the right status: never a stack trace. What
 * went wrong inside (an unexpected error, a ServiceError's detail) goes to the log, with the request id
 * the page shows.
 */
export function errorPages(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const answer = asServiceError(error);
      const path = loggedPath(ctx);
      if (answer !== error && answer.status >= 500) {
        logger[answer.status === 503 ? 'warn' : 'error']({ err: error, path }, 'request failed');
      } else if (answer.detail) {
        logger.info({ code: answer.code, status: answer.status, detail: answer.detail, path }, 'request refused');
      }
      await renderServiceError(ctx, answer);
    }
  };
}
