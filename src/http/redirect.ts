import type { Context } from 'koa';

/** A redirect after a POST (or to another site's page): 303, so the next page is fetched with GET. */
export function seeOther(ctx: Context, url: string): void {
  ctx.status = 303;
  ctx.redirect(url);
}
