import type { JWK } from 'jose';
import type { Context } from 'koa';
import mongoose from 'mongoose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import { cachedAccount, isDisabled } from '../db/identities.ts';
import { findTenant } from '../db/lookups.ts';
import { tenantBranding } from '../db/models/tenant.ts';
import { StoreOutage } from '../db/protocol-store.ts';
import { requestLang } from '../http/lang.ts';
import { render } from '../http/views.ts';
import { ACR } from './acr.ts';
import { ProtocolAdapter } from './adapter.ts';
import { accountClaims, SCOPE_CLAIMS } from './claims.ts';
import { installHashedClientSecrets } from './client-secret.ts';
import { sessionTtl } from './sessions.ts';

export const SCOPES = ['openid', 'offline_access', ...Object.keys(SCOPE_CLAIMS).filter((s) => s !== 'openid')];

async function findAccount(_ctx: KoaContextWithOIDC, id: string) {
  if (!mongoose.isValidObjectId(id)) return undefined;
  const account = await cachedAccount(id);
  // A stopped account is no account to the provider: its tokens, userinfo and sessions stop working.
  if (!account || isDisabled(account)) return undefined;
  return {
    accountId: id,
    claims: async () => ({ ...accountClaims(account, (await findTenant(account.tenantId))?.name ?? undefined), sub: id }),
  };
}

/**
 * First-party relying parties (the certificate front end, other university systems) get what they
 * ask for without a consent screen, as with Keycloak's consent switched off. Third-party clients
 * keep the grant they were given, and the consent prompt covers anything missing.
 */
async function loadExistingGrant(ctx: KoaContextWithOIDC) {
  const { client, session, provider } = ctx.oidc;
  if (!client || !session?.accountId) return undefined;
  const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
  let grant = grantId ? await provider.Grant.find(grantId) : undefined;
  if (grant && grant.accountId !== session.accountId) grant = undefined;
  if (!client.first_party) return grant;
  grant ??= new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
  const scopes = [...ctx.oidc.requestParamScopes].filter((scope) => SCOPES.includes(scope));
  grant.addOIDCScope(scopes.join(' '));
  const claims = [...ctx.oidc.requestParamClaims];
  if (claims.length) grant.addOIDCClaims(claims);
  await grant.save();
  return grant;
}

/**
 * A page oidc-provider asks for (an authorization error, the logout confirmation, logged out), in
 * our layout: the person's language and, when the relying party is known, its university's name
 * and inquiry contact.
 */
async function providerPage(ctx: KoaContextWithOIDC, view: string, data: Record<string, unknown> = {}, status?: number) {
  const koa = ctx as unknown as Context;
  koa.state.lang = requestLang(koa);
  const tenantId = ctx.oidc?.client?.tenant;
  const tenant = typeof tenantId === 'string' ? await findTenant(tenantId) : undefined;
  if (tenant) koa.state.branding = tenantBranding(tenant, koa.state.lang);
  render(koa, view, data, status);
}

export function createProvider(config: Config, jwks: { keys: JWK[] }, cookieKeys: string[]): Provider {
  const cookie = { signed: true, httpOnly: true, sameSite: 'lax' as const };
  const configuration: Configuration = {
    adapter: ProtocolAdapter,
    jwks: jwks as Configuration['jwks'],
    cookies: { keys: cookieKeys, long: cookie, short: cookie },
    findAccount,
    claims: Object.fromEntries(Object.entries(SCOPE_CLAIMS).map(([scope, claims]) => [scope, [...claims]])),
    scopes: SCOPES,
    acrValues: Object.values(ACR),
    // Relying parties read the person's claims straight from the ID token, as well as from userinfo.
    conformIdTokenClaims: false,
    extraClientMetadata: {
      properties: ['tenant', 'first_party', 'previous_secret', 'previous_secret_expires_at'],
      validator(_ctx, key, value) {
        if (key === 'tenant' && typeof value !== 'string') throw new Error('tenant must be a string');
      },
    },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    enabledJWA: { idTokenSigningAlgValues: ['RS256'], userinfoSigningAlgValues: ['RS256'] },
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      claimsParameter: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => providerPage(ctx, 'logout', { form }),
        postLogoutSuccessSource: (ctx) => providerPage(ctx, 'logged-out'),
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    loadExistingGrant,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    ttl: {
      Session: (_ctx, session) => sessionTtl(config, session.loginTs),
      Interaction: config.ttl.interactionSeconds,
      AuthorizationCode: config.ttl.authorizationCodeSeconds,
      AccessToken: config.ttl.accessTokenSeconds,
      IdToken: config.ttl.idTokenSeconds,
      RefreshToken: config.ttl.refreshTokenSeconds,
      Grant: config.ttl.grantSeconds,
    },
    ...(config.allowPrivateNetworkCalls
      ? { fetch: ((url, options) => fetch(url, { ...options, dispatcher: undefined } as RequestInit)) as Configuration['fetch'] }
      : {}),
    renderError: (ctx, out, error) => {
      if (error instanceof StoreOutage) {
        ctx.set('Retry-After', String(error.retryAfter));
        return providerPage(ctx, 'error', { messageKey: 'error.unavailable' }, 503);
      }
      return providerPage(ctx, 'error', { messageKey: 'error.generic', code: out.error }, Math.max(ctx.status, 400));
    },
  };
  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;
  installHashedClientSecrets(provider);
  return provider;
}
