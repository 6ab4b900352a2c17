import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { audit } from '../db/audit.ts';
import { seeOther } from '../http/redirect.ts';
import { render } from '../http/views.ts';
import type { Logger } from '../log.ts';
import { type FormAgain, formPost } from '../security/csrf.ts';
import { type InteractionContext, interactionAt, interactionExpired, loadInteraction } from './interaction-context.ts';

type Missing = { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };

/** What a third-party client asks for, as the consent page lists it. */
export async function showConsent(
  ctx: Context,
  provider: Provider,
  interaction: InteractionContext,
  extra: Record<string, unknown> = {},
  status = 200,
) {
  const client = await provider.Client.find(String(interaction.details.params.client_id));
  const missing = interaction.details.prompt.details as Missing;
  const scopes = (missing.missingOIDCScope ?? []).filter((scope) => scope !== 'openid');
  render(
    ctx,
    'consent',
    {
      uid: interaction.uid,
      branding: interaction.branding,
      clientName: client?.clientName ?? client?.clientId,
      scopes,
      ...extra,
    },
    status,
  );
}

/** The consent page again, when its form is refused before the handler (src/security/csrf.ts). */
function consentAgain(provider: Provider): FormAgain {
  return async function showConsentAgain(ctx, extra, status) {
    const interaction = await interactionAt(ctx, provider, 'consent');
    await showConsent(ctx, provider, interaction, extra, status);
  };
}

/** Allow: the grant gets what the client asked for, and the authorization resumes. */
function allow(provider: Provider, logger: Logger) {
  return async function giveConsent(ctx: Context): Promise<void> {
    const interaction = await loadInteraction(ctx, provider);
    const accountId = interaction?.details.session?.accountId;
    if (interaction?.details.prompt.name !== 'consent' || !accountId) return interactionExpired(ctx);
    const { details } = interaction;
    const clientId = String(details.params.client_id);
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId });
    if (!grant) return interactionExpired(ctx);
    const missing = details.prompt.details as Missing;
    if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims?.length) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    await audit(logger, { event: 'consent.given', client: clientId, account: accountId });
    seeOther(
      ctx,
      await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true }),
    );
  };
}

/** Refuse: the client gets access_denied. */
function refuse(provider: Provider) {
  return async function refuseConsent(ctx: Context): Promise<void> {
    if (!(await loadInteraction(ctx, provider))) return interactionExpired(ctx);
    const error = { error: 'access_denied', error_description: 'the person refused' };
    seeOther(ctx, await provider.interactionResult(ctx.req, ctx.res, error, { mergeWithLastSubmission: false }));
  };
}

/** Third-party relying parties: the person allows or refuses what the client asks for. */
export function consentRoutes(provider: Provider, logger: Logger): Router {
  return new Router()
    .post('/confirm', formPost(consentAgain(provider)), allow(provider, logger))
    .post('/abort', formPost(interactionExpired), refuse(provider));
}
