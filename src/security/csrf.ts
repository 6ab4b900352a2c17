import Tokens from 'csrf';
import type { Context, Middleware } from 'koa';
import { setCookie } from '../http/cookies.ts';
import { formBody, formField } from '../http/form.ts';
import { type FieldErrors, type Message, message } from '../i18n/index.ts';
import { fieldsWithControlCharacters, withoutControlCharacters } from '../text/control-characters.ts';

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
      setCookie(ctx, COOKIE, secret);
    }
    ctx.state.csrfSecret = secret;
    ctx.state.csrfToken = tokens.create(secret);
    await next();
  };
}

function csrfValid(ctx: Context): boolean {
  const token = formField(ctx, '_csrf', 200);
  const secret = ctx.state.csrfSecret;
  return token !== '' && secret !== undefined && tokens.verify(secret, token);
}

/**
 * What was typed into a refused form, to show it again: plain text items, never a secret, without
 * the characters no field takes.
 */
export function typedValues(ctx: Context): Record<string, string> {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const shown = Object.entries(body).filter(
    ([name, value]) => typeof value === 'string' && name !== '_csrf' && !/password|secret|token|^code$/i.test(name),
  );
  return Object.fromEntries(shown.map(([name, value]) => [name, withoutControlCharacters(value as string)]));
}

/** How a route shows its form again: the page, with what was typed, the form-level error and the fields' own. */
export type FormAgain = (
  ctx: Context,
  extra: { values: Record<string, string>; formError: Message; errors?: FieldErrors },
  status: number,
) => unknown | Promise<unknown>;

/**
 * Every form we serve is posted through this: the body is parsed and checked here, once. A forged or
 * stale token never reaches the route's handler: the route's own page comes back (403) with what was
 * typed and "this page has expired". Nor does a control character (NUL and the like) in any field
 * (requirement X3.3): the page comes back (400) with the message beside each such field, what was
 * typed less those characters, and nothing stored.
 */
export function formPost(again: FormAgain, parse: Middleware = formBody): Middleware {
  return (ctx, next) =>
    parse(ctx, async () => {
      if (!csrfValid(ctx)) return again(ctx, { values: typedValues(ctx), formError: message('form.csrf') }, 403);
      const unusable = fieldsWithControlCharacters(ctx.request.body);
      if (unusable.length === 0) return next();
      const errors = Object.fromEntries(unusable.map((name) => [name, message('form.controlCharacters')]));
      await again(ctx, { values: typedValues(ctx), formError: message('form.controlCharactersSummary'), errors }, 400);
    });
}
