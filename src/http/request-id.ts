import { randomBytes } from 'node:crypto';
import type { Middleware } from 'koa';
import { requestContext } from '../log.ts';

/** An id a proxy may hand on: short, plain characters only (it ends up in logs and pages). */
const FORWARDED = /^[A-Za-z0-9._-]{4,64}$/;

/**
 * Every request has an id: the one a trusted proxy sent (X-Request-Id) or ten new characters. It is
 * answered in X-Request-Id, carried in every log line and audit entry of the request, and shown
 * on its error page as the code to quote to the inquiry desk.
 */
export function requestIds(trustProxy: boolean): Middleware {
  return (ctx, next) => {
    const forwarded = ctx.get('X-Request-Id');
    const requestId = trustProxy && FORWARDED.test(forwarded) ? forwarded : randomBytes(8).toString('base64url').slice(0, 10);
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    return requestContext.run({ requestId }, next);
  };
}
