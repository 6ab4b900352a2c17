import type { Middleware } from 'koa';
import { findClient } from '../db/lookups.ts';
import { clientName } from '../db/models/client.ts';
import { setCookie } from '../http/cookies.ts';
import { tenantOf } from '../http/state.ts';

const COOKIE = 'account_rp';

/**
 * Every account page offers the way back to the relying party the person came from: a relying
 * party links here with its `client_id`, which is remembered (signed cookie) while the person moves
 * between account pages; its registered home URL is the way back. Without one, the university's
 * login URL (the certificate service) is. Only a client of this university with a home URL counts.
 */
export function backToRelyingParty(): Middleware {
  return async (ctx, next) => {
    const tenant = tenantOf(ctx);
    const usable = async (id: string | undefined) => {
      const client = id ? await findClient(id) : undefined;
      return client?.tenantId === tenant._id && client.homeUrl ? client : undefined;
    };
    const asked = typeof ctx.query.client_id === 'string' ? await usable(ctx.query.client_id) : undefined;
    if (asked) setCookie(ctx, COOKIE, asked._id);
    const client = asked ?? (await usable(ctx.cookies.get(COOKIE, { signed: true })));
    if (client?.homeUrl) {
      ctx.state.backTo = { url: client.homeUrl, name: clientName(client, ctx.state.lang) };
    } else if (tenant.loginUrl) {
      ctx.state.backTo = { url: tenant.loginUrl };
    }
    await next();
  };
}
