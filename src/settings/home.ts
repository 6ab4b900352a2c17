import type { Context } from 'koa';
import type { Account } from '../db/identities.ts';
import { ServiceError } from '../errors.ts';
import { accountOf, tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { formatDateTime } from '../i18n/index.ts';
import type { PageDeps } from '../page-deps.ts';
import { logoutAtIdp, rememberIdpSession } from '../single-logout/idp-session.ts';
import { accountClientId, ensureAccountClient, finishAccountLogin, startAccountLogin } from './console-client.ts';
import { base } from './context.ts';

export const fullName = (name: { family?: string | null; given?: string | null } | null | undefined) =>
  [name?.family, name?.given].filter(Boolean).join(' ');

/** The account pages log in through their own relying party (console-client.ts). */
export function accountLogin({ config }: PageDeps) {
  return async function loginToAccount(ctx: Context): Promise<void> {
    const returnTo = typeof ctx.query.return === 'string' ? ctx.query.return : base(ctx);
    await startAccountLogin(ctx, tenantOf(ctx)._id, config.issuer, returnTo);
  };
}

export function accountCallback(ctx: Context): void {
  const returnTo = finishAccountLogin(ctx, tenantOf(ctx)._id);
  if (!returnTo) throw new ServiceError(400, 'error.generic');
  ctx.redirect(returnTo);
}

/** A student's logout from the menu also ends the university sign-in where its IdP offers single logout. */
export function loggedOut({ sps }: PageDeps) {
  return async function afterLogout(ctx: Context): Promise<void> {
    if (!(await logoutAtIdp(ctx, sps, tenantOf(ctx)._id))) render(ctx, 'logged-out');
  };
}

const hasSecondPassword = (account: Account) => account.kind === 'graduate' || Boolean(account.secondPasswordHash);

/** Requirement G4: the menu, with the previous login; logout goes through the account client. */
export function menu({ config }: PageDeps) {
  return async function accountMenu(ctx: Context): Promise<void> {
    const account = accountOf(ctx);
    const tenant = tenantOf(ctx);
    const previous = account.previousLoginAt ? formatDateTime(account.previousLoginAt, ctx.state.lang) : undefined;
    // The account client must exist even if this session began at another relying party.
    await ensureAccountClient(tenant._id, config.issuer);
    await rememberIdpSession(ctx, account);
    const logout = new URLSearchParams({
      client_id: accountClientId(tenant._id),
      post_logout_redirect_uri: `${config.issuer}${base(ctx)}/logged-out`,
    });
    render(ctx, 'account-home', {
      base: base(ctx),
      name: fullName(account.name?.kanji) || account.email,
      email: account.email,
      previous,
      graduate: account.kind === 'graduate',
      secondPassword: hasSecondPassword(account),
      passkeys: account.kind === 'graduate' && tenant.passkeys !== 'off',
      manualUrl: tenant.manualUrl,
      logoutUrl: `/session/end?${logout}`,
    });
  };
}
