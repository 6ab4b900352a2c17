import type { Context } from 'koa';
import { ServiceError } from '../errors.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';

/** The account menu: /t/:tenant/account. */
export const base = (ctx: Context) => `/t/${tenantOf(ctx)._id}/account`;

/** "Changed", with the way back to the menu. */
export const done = (ctx: Context, messageKey: string) => render(ctx, 'account-done', { base: base(ctx), messageKey });

/**
 * A page of the menu that does not serve this account (a student on a graduate's page, a university
 * without passkeys): says why and leads back to the menu, instead of "page not found" (issue 28 item 2).
 */
export function notOffered(ctx: Context, why: 'graduatesOnly' | 'secondPassword' | 'passkeys'): never {
  throw new ServiceError(404, `account.notOffered.${why}`, { wayOn: { href: base(ctx), label: 'account.backToMenu' } });
}
