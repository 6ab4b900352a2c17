import type { Context } from 'koa';

export interface CookieOptions {
  /** Unsigned only for a value anyone may set (the language choice); everything else is signed. */
  signed?: boolean;
  sameSite?: 'lax' | 'strict';
  path?: string;
  maxAge?: number;
}

/**
 * Sets one of our cookies the one way (docs/security.md): HttpOnly, SameSite=Lax unless Strict is
 * asked for, Secure whenever the request came over https, signed with the service's cookie keys.
 */
export function setCookie(ctx: Context, name: string, value: string, options: CookieOptions = {}): void {
  ctx.cookies.set(name, value, {
    signed: options.signed ?? true,
    httpOnly: true,
    sameSite: options.sameSite ?? 'lax',
    secure: ctx.secure,
    overwrite: true,
    // Only what was given: an undefined path would replace the cookie library's "/".
    ...(options.path ? { path: options.path } : {}),
    ...(options.maxAge !== undefined ? { maxAge: options.maxAge } : {}),
  });
}

/** Ends one of our cookies (same name and path as it was set with). */
export function clearCookie(ctx: Context, name: string, options: Omit<CookieOptions, 'maxAge'> = {}): void {
  setCookie(ctx, name, '', { ...options, maxAge: 0 });
}
