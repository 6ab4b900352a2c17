import type { Context } from 'koa';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';

/** The account menu: /t/:tenant/account. */
export const base = (ctx: Context) => `/t/${tenantOf(ctx)._id}/account`;

/** "Changed", with the way back to the menu. */
export const done = (ctx: Context, messageKey: string) => render(ctx, 'account-done', { base: base(ctx), messageKey });
