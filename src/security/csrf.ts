import Tokens from 'csrf';
import type { Context, Middleware } from 'koa';
import { formField } from '../http/form.ts';

const tokens = new Tokens();
const COOKIE = 'csrf_secret';

/**
 * Synchronizer tokens: a per-browser secret in a signed HttpOnly cookie, a token derived from it in
 * every form. A cross-site page can neither read the secret nor forge a token for it.
 */
export function csrfMiddleware(): Middleware {
  return async (ctx, next) => {
    let secret = ctx.cookies.get(COOKIE, { signed: true });
    if (!secret) {
      secret = tokens.secretSync();
      ctx.cookies.set(COOKIE, secret, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure });
    }
    ctx.state.csrfSecret = secret;
    ctx.state.csrfToken = tokens.create(secret);
    await next();
  };
}

export function csrfValid(ctx: Context): boolean {
  const token = formField(ctx, '_csrf', 200);
  const secret = ctx.state.csrfSecret;
  return token !== '' && secret !== undefined && tokens.verify(secret, token);
}
