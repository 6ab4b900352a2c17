import type { Middleware } from 'koa';
import type { Logger } from '../log.ts';
import { render } from './views.ts';

/** Any error in our routes becomes a localised page with the right status: never a stack trace. */
export function errorPages(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const status = (error as { status?: number }).status ?? 500;
      if (status >= 500) logger.error({ err: error, path: ctx.path }, 'request failed');
      const message = status === 404 ? 'error.notFound' : status === 503 ? 'error.unavailable' : 'error.generic';
      render(ctx, 'error', { messageKey: message }, status);
    }
  };
}
