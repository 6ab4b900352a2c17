import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import mongoose from 'mongoose';
import { ClientModel } from '../db/models/client.ts';
import { clearCookie, setCookie } from '../http/cookies.ts';

/**
 * The account pages are a first-party client of this provider (as Keycloak's account console), so
 * they share the login session with every relying party: no second login, and a login started here
 * is an ordinary authorization request.
 */
export const accountClientId = (tenantId: string) => `account-console.${tenantId}`;

const ensured = new Set<string>();

/** Creates or updates the tenant's account client; once per process, database and issuer. */
export async function ensureAccountClient(tenantId: string, issuer: string): Promise<void> {
  const key = `${mongoose.connection.name} ${tenantId} ${issuer}`;
  if (ensured.has(key)) return;
  const base = `${issuer}/t/${tenantId}/account`;
  await ClientModel.updateOne(
    { _id: accountClientId(tenantId) },
    {
      $set: {
        tenantId,
        name: 'Account',
        public: true,
        firstParty: true,
        redirectUris: [`${base}/callback`],
        postLogoutRedirectUris: [`${base}/logged-out`],
      },
    },
    { upsert: true },
  );
  ensured.add(key);
}

const COOKIE = 'account_login';

/** Sends the browser to log in, remembering where to return; PKCE and state as any public client. */
export async function startAccountLogin(ctx: Context, tenantId: string, issuer: string, returnTo: string): Promise<void> {
  await ensureAccountClient(tenantId, issuer);
  const state = randomBytes(16).toString('base64url');
  const verifier = randomBytes(32).toString('base64url');
  const path = `/t/${tenantId}/account`;
  setCookie(ctx, COOKIE, JSON.stringify({ state, returnTo: returnTo.startsWith(path) ? returnTo : path }), { path });
  const params = new URLSearchParams({
    client_id: accountClientId(tenantId),
    redirect_uri: `${issuer}${path}/callback`,
    response_type: 'code',
    scope: 'openid',
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ui_locales: ctx.state.lang,
  });
  ctx.redirect(`/auth?${params}`);
}

/** Where to go after the login, if the callback belongs to the login this browser started. */
export function finishAccountLogin(ctx: Context, tenantId: string): string | undefined {
  const raw = ctx.cookies.get(COOKIE, { signed: true });
  clearCookie(ctx, COOKIE, { path: `/t/${tenantId}/account` });
  if (!raw) return undefined;
  const saved = JSON.parse(raw) as { state: string; returnTo: string };
  return saved.state === ctx.query.state && typeof ctx.query.code === 'string' ? saved.returnTo : undefined;
}
