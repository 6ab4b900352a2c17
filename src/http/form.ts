import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import multer from 'multer';
import { type FieldErrors, type Message, message } from '../i18n/index.ts';
import { type AddressProblem, parseMailAddress } from '../mail/address.ts';

const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '32kb', encoding: 'utf-8' });

/**
 * Only urlencoded forms, small: our pages post nothing else (uploads come with their own parser).
 * Another body (JSON, XML) is answered 415 rather than read as an empty form.
 */
export const formBody: Middleware = (ctx, next) => {
  refuseOtherBodies(ctx, 'application/x-www-form-urlencoded');
  return parseForm(ctx, next);
};

/** A request that carries a body of another type than `type` is refused with 415. */
function refuseOtherBodies(ctx: Context, type: string): void {
  if (ctx.request.length && !ctx.is(type)) ctx.throw(415);
}

/** The multipart forms (uploads): the same refusal, before the route reads anything. */
export const multipartBody: Middleware = (ctx, next) => {
  refuseOtherBodies(ctx, 'multipart/form-data');
  return next();
};

/**
 * A form with at most one chosen file (multipart, up to `maxBytes`; `fields` text fields): the text
 * fields become the body, then `take` sees the file's bytes (none when nothing was chosen) or the
 * parser's error (a file too large, too many fields) and puts what the form's checks read in place.
 * The console's uploads: the catalogue CSV, the graduate register, the logo, an IdP's metadata.
 */
export function oneFileForm(
  field: string,
  limits: { maxBytes: number; fields: number },
  take: (ctx: Context, upload: { bytes?: Buffer; name?: string; error?: unknown }) => void,
): Middleware {
  const parse = multer({
    storage: multer.memoryStorage(),
    // Browsers send a file's name as UTF-8 without saying so (名簿.csv); busboy's default reads latin1.
    defParamCharset: 'utf8',
    limits: { fileSize: limits.maxBytes, files: 1, fields: limits.fields },
  }).single(field);
  return (ctx, next) =>
    multipartBody(ctx, async () => {
      const req = ctx.req as typeof ctx.req & { body?: Record<string, string>; file?: Express.Multer.File };
      const error = await new Promise<unknown>((done) => parse(req as never, ctx.res as never, done));
      ctx.request.body = { ...req.body };
      take(ctx, { bytes: req.file?.size ? req.file.buffer : undefined, name: req.file?.originalname, error });
      await next();
    });
}

/**
 * A form field as a plain string. Anything else (arrays, objects such as `{"$ne": null}`) becomes
 * empty, so no request value ever reaches a database query as an operator.
 */
export function formField(ctx: Context, name: string, maxLength = 256): string {
  const body = ctx.request.body as Record<string, unknown> | undefined;
  const value = body?.[name];
  if (typeof value !== 'string') return '';
  return value.length > maxLength ? value.slice(0, maxLength + 1) : value;
}

/** A new second password typed twice, as a student's setting and reset forms post it. */
export function newSecondPasswordFromForm(ctx: Context) {
  return {
    secondPassword: formField(ctx, 'secondPassword', 128),
    secondPasswordConfirm: formField(ctx, 'secondPasswordConfirm', 128),
  };
}

/** The new password and second password, each typed twice, as the setting and reset forms post them. */
export function newPasswordsFromForm(ctx: Context) {
  return {
    password: formField(ctx, 'password', 128),
    passwordConfirm: formField(ctx, 'passwordConfirm', 128),
    ...newSecondPasswordFromForm(ctx),
  };
}

/**
 * A mail address field read the one way (src/mail/address.ts): the address to use, or the message
 * to show beside the field (required, unusable characters, too long, or not an address).
 * `labelKey` names the field in the required message.
 */
export function mailAddressField(typed: string, labelKey: string): { address?: string; error?: Message } {
  const { address, problem } = parseMailAddress(typed);
  if (address) return { address };
  const messages: Record<AddressProblem, Message> = {
    required: message('form.required', { field: message(labelKey) }),
    characters: message('form.emailCharacters'),
    length: message('form.emailLength'),
    format: message('form.email'),
  };
  return { error: messages[problem as AddressProblem] };
}

/** A mail address typed twice: the address, or the message for the field that is wrong. */
export function confirmedMailAddress(
  typed: { email: string; emailConfirm: string },
  labelKey: string,
  mismatchKey: string,
): { address?: string; errors: FieldErrors } {
  const { address, error } = mailAddressField(typed.email, labelKey);
  if (!address) return { errors: { email: error as Message } };
  if (parseMailAddress(typed.emailConfirm).address !== address) return { errors: { emailConfirm: message(mismatchKey) } };
  return { address, errors: {} };
}
