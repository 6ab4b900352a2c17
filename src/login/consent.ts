import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { audit } from '../db/audit.ts';
import { render } from '../http/views.ts';
import type { Logger } from '../log.ts';
import { type FormAgain, formPost } from '../security/csrf.ts';
import { type InteractionContext, interactionExpired, loadInteraction } from './interaction-context.ts';

type Missing = { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };

/** What a third-party client asks for, as the consent page lists it. */
export async function showConsent(
  ctx: Context,
  provider: Provider,
  it: InteractionContext,
  extra: Record<string, unknown> = {},
  status = 200,
) {
  const client = await provider.Client.find(String(it.details.params.client_id));
  const missing = it.details.prompt.details as Missing;
  const scopes = (missing.missingOIDCScope ?? []).filter((scope) => scope !== 'openid');
  render(
    ctx,
    'consent',
    { uid: it.uid, branding: it.branding, clientName: client?.clientName ?? client?.clientId, scopes, ...extra },
    status,
  );
}

/** Third-party relying parties: the person allows or refuses what the client asks for. */
export function consentRoutes(provider: Provider, logger: Logger): Router {
  const router = new Router();

  const consentAgain: FormAgain = async (ctx, extra, status) => {
    const it = await loadInteraction(ctx, provider);
    if (it?.details.prompt.name !== 'consent') return interactionExpired(ctx);
    await showConsent(ctx, provider, it, extra, status);
  };

  router.post('/confirm', formPost(consentAgain), async (ctx) => {
    const it = await loadInteraction(ctx, provider);
    if (it?.details.prompt.name !== 'consent' || !it.details.session?.accountId) return interactionExpired(ctx);
    const { details } = it;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session?.accountId, clientId: String(details.params.client_id) });
    if (!grant) return interactionExpired(ctx);
    const missing = details.prompt.details as Missing;
    if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims?.length) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    await audit(logger, {
      event: 'consent.given',
      client: String(details.params.client_id),
      account: details.session?.accountId,
    });
    ctx.status = 303;
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true }));
  });

  router.post('/abort', formPost(interactionExpired), async (ctx) => {
    const it = await loadInteraction(ctx, provider);
    if (!it) return interactionExpired(ctx);
    ctx.status = 303;
    ctx.redirect(
      await provider.interactionResult(
        ctx.req,
        ctx.res,
        { error: 'access_denied', error_description: 'the person refused' },
        { mergeWithLastSubmission: false },
      ),
    );
  });

  return router;
}
