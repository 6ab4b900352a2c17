import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { seeOther } from './redirect.ts';

const parent = (path: string) => path.replace(/\/[^/]+\/?$/, '');

/**
 * A GET at an address that only takes a form's POST — the language switch on the page a refused form
 * re-rendered at its POST address, a login that returns to where it began — goes to the nearest page
 * above it, keeping the query (the chosen language), instead of "page not found" (issue 28 item 11).
 * For every form at once: it asks the routers, not a list.
 */
export function toFormsPage(routers: Router[]): Middleware {
  const has = (path: string, method: string) => routers.some((router) => router.match(path, method).route);
  return async (ctx, next) => {
    if (ctx.method !== 'GET' || has(ctx.path, 'GET') || !has(ctx.path, 'POST')) return next();
    for (let path = parent(ctx.path); path; path = parent(path)) {
      if (has(path, 'GET')) return seeOther(ctx, `${path}${ctx.search}`);
    }
    return next();
  };
}
