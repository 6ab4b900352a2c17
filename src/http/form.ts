import { bodyParser } from '@koa/bodyparser';
import type { TFunction } from 'i18next';
import type { Context } from 'koa';
import { isMailAddress } from '../db/models/account.ts';

/** Only urlencoded forms, small: our pages post nothing else (uploads come with their own parser). */
export const formBody = bodyParser({ enableTypes: ['form'], formLimit: '32kb', encoding: 'utf-8' });

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

/** The message for a mail address field (required, then format), or undefined when it is fine. */
export function mailAddressError(t: TFunction, email: string, label: string): string | undefined {
  if (!email) return t('form.required', { field: label });
  return isMailAddress(email) ? undefined : t('form.email');
}
