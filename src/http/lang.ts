import type { Context, Middleware } from 'koa';
import { DEFAULT_LANG, isLang, type Lang } from '../i18n/index.ts';
import { setCookie } from './cookies.ts';

const YEAR_MS = 365 * 24 * 3600 * 1000;

export function rememberLang(ctx: Context, lang: Lang): void {
  setCookie(ctx, 'lang', lang, { signed: false, maxAge: YEAR_MS });
  ctx.state.lang = lang;
}

/** The language of a request: the pull-down's choice (a cookie), else Accept-Language, else Japanese. */
export function requestLang(ctx: Context): Lang {
  const cookie = ctx.cookies.get('lang');
  if (isLang(cookie)) return cookie;
  const accepted = ctx.acceptsLanguages('ja', 'en');
  return isLang(accepted) ? accepted : DEFAULT_LANG;
}

/**
 * The LANG pull-down is a GET form carrying `lang`: remember the choice and redirect to the same
 * page without it, so the switch works without JavaScript and a reload does not repeat it.
 */
export function languageMiddleware(): Middleware {
  return async (ctx, next) => {
    const requested = ctx.query.lang;
    if (ctx.method === 'GET' && isLang(requested)) {
      rememberLang(ctx, requested);
      const params = new URLSearchParams(ctx.querystring);
      params.delete('lang');
      const rest = params.toString();
      ctx.redirect(rest ? `${ctx.path}?${rest}` : ctx.path);
      return;
    }
    ctx.state.lang = requestLang(ctx);
    await next();
  };
}
