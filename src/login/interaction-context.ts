import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { findTenant } from '../db/lookups.ts';
import type { Account } from '../db/models/account.ts';
import { type Tenant, tenantBranding } from '../db/models/tenant.ts';
import { rememberLang } from '../http/lang.ts';
import { type Branding, render } from '../http/views.ts';
import { pickLang } from '../i18n/index.ts';
import { recordLogin } from '../strategies/graduate-password.ts';

export interface InteractionContext {
  uid: string;
  tenantId: string;
  tenant: Tenant;
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
    ctx.cookies.set('lang_uid', details.uid, { httpOnly: true, sameSite: 'lax', secure: ctx.secure });
  }
  return { uid: details.uid, tenantId: tenant._id, tenant, branding: tenantBranding(tenant, ctx.state.lang), details };
}

export function interactionExpired(ctx: Context): void {
  render(ctx, 'error', { messageKey: 'error.sessionExpired' }, 400);
}

/**
 * Completes the login: records its time and stores the result on the interaction this request
 * already loaded (provider.interactionResult would load it again); returns the URL that resumes the
 * authorization.
 */
export async function finishLogin(
  it: InteractionContext,
  account: Account,
  method: { acr: string; amr: readonly string[] },
): Promise<string> {
  await recordLogin(account);
  const interaction = it.details;
  interaction.result = { login: { accountId: account._id.toString(), acr: method.acr, amr: [...method.amr], remember: false } };
  await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
  return interaction.returnTo;
}
