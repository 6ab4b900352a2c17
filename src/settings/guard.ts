import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import { findAccount, isDisabled } from '../db/identities.ts';
import { seeOther } from '../http/redirect.ts';
import { tenantOf } from '../http/state.ts';
import { activeSession } from '../oidc/sessions.ts';

/** Account pages need this university's account logged in; otherwise the login starts and returns here. */
export function requireAccount(provider: Provider, config: Config) {
  return async (ctx: Context, next: Next) => {
    const tenant = tenantOf(ctx);
    const session = await activeSession(ctx, provider, config);
    const account = session?.accountId ? await findAccount(session.accountId) : null;
    if (!session || !account || isDisabled(account) || account.tenantId !== tenant._id) {
      return seeOther(ctx, `/t/${tenant._id}/account/login?return=${encodeURIComponent(ctx.path)}`);
    }
    ctx.state.account = account;
    ctx.state.sessionId = session.jti;
    await next();
  };
}
