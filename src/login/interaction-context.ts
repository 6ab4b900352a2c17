import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { findTenant } from '../db/lookups.ts';
import { type Tenant, tenantBranding } from '../db/models/tenant.ts';
import { ServiceError } from '../errors.ts';
import { setCookie } from '../http/cookies.ts';
import { rememberLang } from '../http/lang.ts';
import { rememberUniversity } from '../http/tenant.ts';
import type { Branding } from '../http/views.ts';
import { type Lang, pickLang } from '../i18n/index.ts';

export interface InteractionContext {
  uid: string;
  tenantId: string;
  tenant: Tenant;
  /** The provider's issuer (the WebAuthn relying party's origin). */
  issuer: string;
  /** The page language, after the relying party's ui_locales. */
  lang: Lang;
  branding: Branding;
  details: Awaited<ReturnType<Provider['interactionDetails']>>;
}

/** Loads the interaction (bound to this browser by its cookie), its relying party and university. */
export async function loadInteraction(ctx: Context, provider: Provider): Promise<InteractionContext | undefined> {
  let details: InteractionContext['details'];
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (error) {
    if (error instanceof errors.SessionNotFound) return undefined;
    throw error;
  }
  const client = await provider.Client.find(String(details.params.client_id));
  const tenant = client ? await findTenant(String(client.tenant)) : undefined;
  if (!tenant) return undefined;
  // The relying party's ui_locales apply once per interaction; the pull-down overrides it after.
  const uiLang = pickLang(details.params.ui_locales as string | undefined);
  if (uiLang && ctx.cookies.get('lang_uid') !== details.uid) {
    rememberLang(ctx, uiLang);
    setCookie(ctx, 'lang_uid', details.uid, { signed: false });
  }
  rememberUniversity(ctx, tenant._id);
  const { lang } = ctx.state;
  const branding = tenantBranding(tenant, lang);
  return { uid: details.uid, tenantId: tenant._id, tenant, issuer: provider.issuer, lang, branding, details };
}

/**
 * The interaction of the URL, waiting for `prompt` (the login's page and steps, or consent); any
 * other is gone (expired, finished, another browser's) and the person starts again.
 */
export async function interactionAt(
  ctx: Context,
  provider: Provider,
  prompt: 'login' | 'consent' = 'login',
): Promise<InteractionContext> {
  const interaction = await loadInteraction(ctx, provider);
  if (interaction?.details.prompt.name !== prompt) return interactionExpired(ctx);
  return interaction;
}

/** The interaction is gone (expired, finished, or another browser's): the person starts again. */
export function interactionExpired(_ctx?: Context): never {
  throw new ServiceError(400, 'error.sessionExpired');
}
