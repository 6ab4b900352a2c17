import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { Context } from 'koa';
import { DEFAULT_LANG, type Lang, translator } from '../i18n/index.ts';

const viewsDir = fileURLToPath(new URL('../../views/', import.meta.url));
const eta = new Eta({ views: viewsDir, cache: process.env.NODE_ENV !== 'development', autoEscape: true });

export interface Branding {
  university: string;
  inquiry: string;
}

/** Renders a page of views/ in the request's language with the data every layout needs. */
export function render(ctx: Context, view: string, data: Record<string, unknown> = {}, status = 200): void {
  const lang: Lang = ctx.state.lang ?? DEFAULT_LANG;
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = eta.render(view, {
    t: translator(lang),
    lang,
    path: ctx.path,
    csrfToken: ctx.state.csrfToken,
    branding: ctx.state.branding,
    backTo: ctx.state.backTo,
    errors: {},
    ...data,
  });
}
