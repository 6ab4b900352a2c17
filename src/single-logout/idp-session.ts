import type { Context } from 'koa';
import type { Account } from '../db/identities.ts';
import { clearCookie, setCookie } from '../http/cookies.ts';
import { seeOther } from '../http/redirect.ts';
import type { ServiceProviders } from '../saml/service-provider.ts';
import { type IdpSession, logoutRequestUrl, offersSingleLogout } from '../saml/single-logout.ts';

const COOKIE = 'saml_slo';

/**
 * Remembers (in a signed cookie) the university sign-in behind the account menu's session, so that
 * logging out from the menu can also end it at the IdP once our own session has ended.
 */
export async function rememberIdpSession(ctx: Context, account: Account): Promise<void> {
  const session = account.samlSession;
  if (account.kind !== 'student' || !session?.idpId || !session.nameId) return;
  if (!(await offersSingleLogout(session.idpId))) return;
  setCookie(ctx, COOKIE, Buffer.from(JSON.stringify(session)).toString('base64url'));
}

/** After our logout: sends a LogoutRequest to the IdP of the remembered sign-in; false when there is none. */
export async function logoutAtIdp(ctx: Context, sps: ServiceProviders, tenantId: string): Promise<boolean> {
  const value = ctx.cookies.get(COOKIE, { signed: true });
  if (!value) return false;
  clearCookie(ctx, COOKIE);
  let session: IdpSession;
  try {
    session = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return false;
  }
  const url = await logoutRequestUrl(sps, tenantId, session);
  if (!url) return false;
  seeOther(ctx, url);
  return true;
}
