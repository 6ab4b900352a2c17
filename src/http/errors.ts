import type { Context, Middleware } from 'koa';
import type { Logger } from '../log.ts';
import { loggedPath } from './logged-path.ts';
import { render } from './views.ts';

/**
 * What went wrong, as the person is told it: a message id and a status (compare oidc-provider's
 * lib/helpers/errors.js). Thrown anywhere in our routes; rendered in one place, errorPages.
 */
export class PageError extends Error {
  readonly status: number;
  readonly messageKey: string;
  /** Seconds after which trying again makes sense (Retry-After). */
  readonly retryAfter?: number;

  constructor(status: number, messageKey: string, retryAfter?: number) {
    super(messageKey);
    this.status = status;
    this.messageKey = messageKey;
    this.retryAfter = retryAfter;
  }
}

/** The error page of anything our routes throw: a PageError as it says, anything else by its status. */
function asPageError(error: unknown): PageError {
  if (error instanceof PageError) return error;
  // The database out of reach is a temporary state: say so (503), do not call it a bug.
  if (/^Mongo(ServerSelection|Network|NotConnected|Topology)/.test((error as Error).name ?? '')) {
    return new PageError(503, 'error.unavailable', 5);
  }
  const status = (error as { status?: number }).status ?? 500;
  return new PageError(status, status === 404 ? 'error.notFound' : status === 503 ? 'error.unavailable' : 'error.generic');
}

function renderPageError(ctx: Context, page: PageError): void {
  if (page.retryAfter) ctx.set('Retry-After', String(page.retryAfter));
  render(ctx, 'error', { messageKey: page.messageKey, code: ctx.state.requestId }, page.status);
}

/** Any error in our routes becomes a localised page with the right status: never a stack trace. */
export function errorPages(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const page = asPageError(error);
      if (page !== error && page.status >= 500) {
        logger[page.status === 503 ? 'warn' : 'error']({ err: error, path: loggedPath(ctx) }, 'request failed');
      }
      renderPageError(ctx, page);
    }
  };
}
