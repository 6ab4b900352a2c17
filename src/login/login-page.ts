import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { seeOther } from '../http/redirect.ts';
import { render } from '../http/views.ts';
import { showConsent } from './consent.ts';
import type { LoginOffer, LoginStrategy } from './contract.ts';
import { type InteractionContext, interactionExpired, loadInteraction } from './interaction-context.ts';
import { strategies } from './strategies/index.ts';

type Offered = { strategy: LoginStrategy; offer: LoginOffer };

/** The ways to log in this university offers, in the registry's order, kept to the acr_values asked for. */
async function offered(interaction: InteractionContext, ctx: Context): Promise<Offered[]> {
  const all = await Promise.all(
    strategies.map(async (strategy) => ({ strategy, offer: await strategy.offer(interaction, ctx) })),
  );
  const offers = all.filter((o): o is Offered => o.offer !== undefined);
  const wanted = acrValues(interaction);
  return wanted.length ? offers.filter((o) => wanted.includes(o.offer.acr)) : offers;
}

const acrValues = (interaction: InteractionContext) =>
  String(interaction.details.params.acr_values ?? '')
    .split(' ')
    .filter(Boolean);

/** The login page: each offered strategy's part (login/strategies/<id>/view.eta), with what a failed attempt left. */
export async function showLogin(
  ctx: Context,
  interaction: InteractionContext,
  extra: Record<string, unknown> = {},
  status = 200,
  offers?: Offered[],
): Promise<void> {
  const parts = offers ?? (await offered(interaction, ctx));
  const sections = parts.filter(({ offer }) => !offer.companion);
  const [only] = sections.length ? sections : parts;
  render(
    ctx,
    'login',
    {
      uid: interaction.uid,
      tenantId: interaction.tenantId,
      branding: interaction.branding,
      titleKey: sections.length <= 1 && only ? only.offer.titleKey : 'login.title',
      parts: parts.map(({ strategy, offer }) => ({ id: strategy.id, companionOf: offer.companionOf, ...offer.view })),
      sections: sections.length > 1,
      values: { email: interaction.details.params.login_hint ?? '' },
      errors: {},
      ...extra,
    },
    status,
  );
}

/**
 * GET /interaction/:uid — the consent page when that is what is asked; otherwise the login page,
 * or straight to the only way offered when it leads elsewhere (one university sign-in). acr_values
 * that no way offered here can give are refused with the standard error.
 */
export function loginPage(provider: Provider) {
  return async function loginOrConsent(ctx: Context): Promise<void> {
    const interaction = await loadInteraction(ctx, provider);
    if (!interaction) return interactionExpired(ctx);
    if (interaction.details.prompt.name === 'consent') return showConsent(ctx, provider, interaction);
    const offers = await offered(interaction, ctx);
    const [only] = offers;
    if (!only && acrValues(interaction).length) {
      const error = {
        error: 'unmet_authentication_requirements',
        error_description: 'none of the requested acr_values can be satisfied',
      };
      return seeOther(ctx, await provider.interactionResult(ctx.req, ctx.res, error, { mergeWithLastSubmission: false }));
    }
    if (offers.length === 1 && only?.offer.direct) {
      return seeOther(ctx, only.offer.direct);
    }
    await showLogin(ctx, interaction, {}, 200, offers);
  };
}
