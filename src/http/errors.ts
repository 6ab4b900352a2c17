import type { Middleware } from 'koa';
import type { Logger } from '../log.ts';
import { render } from './views.ts';

/** Any error in our routes becomes a localised page with the right status: never a stack trace. */
export function errorPages(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      // The database out of reach is a temporary state: say so (503), do not call it a bug.
      const unreachable = /^Mongo(ServerSelection|Network|NotConnected|Topology)/.test((error as Error).name ?? '');
      const status = unreachable ? 503 : ((error as { status?: number }).status ?? 500);
      if (unreachable) ctx.set('Retry-After', '5');
      if (status >= 500) logger[unreachable ? 'warn' : 'error']({ err: error, path: ctx.path }, 'request failed');
      const message = status === 404 ? 'error.notFound' : status === 503 ? 'error.unavailable' : 'error.generic';
      render(ctx, 'error', { messageKey: message }, status);
    }
  };
}
