import Router from '@koa/router';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Context } from 'koa';
import { authenticationOptions, credentialJson, verifyPasskey, webAuthnSite } from '../../../credentials/passkeys.ts';
import { findAccount } from '../../../db/identities.ts';
import { formField } from '../../../http/form.ts';
import { message } from '../../../i18n/index.ts';
import { ACR } from '../../../oidc/acr.ts';
import type { PageDeps } from '../../../page-deps.ts';
import { type FormAgain, formPost } from '../../../security/csrf.ts';
import type { LoginFlow, LoginStrategy } from '../../contract.ts';
import { type InteractionContext, interactionAt } from '../../interaction-context.ts';
import { strategyFolder } from '../../strategy-folder.ts';

strategyFolder('passkey', import.meta.url);

const offered = (interaction: InteractionContext) =>
  interaction.tenant.passkeys !== 'off' && interaction.tenant.loginMethods?.graduate !== false;

/** The login of this request, if it is one where passkeys are offered. */
async function passkeyLogin(ctx: Context, deps: PageDeps): Promise<InteractionContext> {
  const interaction = await interactionAt(ctx, deps.provider);
  if (!offered(interaction)) return ctx.throw(404);
  return interaction;
}

/**
 * A graduate's passkey (beyond the manuals): discoverable, so the person picks it without typing the
 * address; the browser offers it from the address field too (conditional UI). Its button shows only
 * where the browser has WebAuthn (views/static/passkey.js); the rest of the page works without it.
 */
export const passkey: LoginStrategy = {
  id: 'passkey',

  async offer(interaction) {
    if (!offered(interaction)) return undefined;
    const view = {
      optionsUrl: `/interaction/${interaction.uid}/passkey/options`,
      passkeyAction: `/interaction/${interaction.uid}/passkey`,
    };
    return { acr: ACR.passkey, titleKey: 'login.graduateTitle', companion: true, companionOf: 'graduate-password', view };
  },

  interactionRoutes(deps: PageDeps, flow: LoginFlow) {
    const site = webAuthnSite(deps.config.issuer);

    /** GET /interaction/:uid/passkey/options: a fresh challenge, bound to this login. */
    async function options(ctx: Context): Promise<void> {
      const interaction = await passkeyLogin(ctx, deps);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = await authenticationOptions(site, { tenantId: interaction.tenantId, interaction: interaction.uid });
    }

    /** POST /interaction/:uid/passkey: the browser's signed answer, verified; a refusal is throttled and audited. */
    async function login(ctx: Context): Promise<void> {
      const interaction = await passkeyLogin(ctx, deps);
      const response = credentialJson<AuthenticationResponseJSON>(formField(ctx, 'response', 20_000));
      const again = (formError: ReturnType<typeof message>, status: number) =>
        flow.showLogin(ctx, interaction, { formError }, status);
      const key = `passkey:${interaction.tenantId}:${String(response?.id ?? '').slice(0, 200)}`;
      const result = await flow.attempt(ctx, { tenantId: interaction.tenantId, method: passkey.id, key }, async () => {
        const bound = { tenantId: interaction.tenantId, interaction: interaction.uid, owner: 'account' as const };
        const proven = response && (await verifyPasskey(site, response, bound, deps.logger));
        if (!proven) return undefined;
        if (proven.suspended) return 'suspended' as const;
        // A graduate's login: a student's passkey is a second factor after the university's sign-in only.
        const account = await findAccount(proven.accountId, { tenantId: interaction.tenantId, kind: 'graduate' });
        return account ?? undefined;
      });
      if ('wait' in result) return again(message('throttle.wait', { seconds: result.wait }), 429);
      if ('refused' in result) return again(message('passkey.failed'), 401);
      if (result.ok === 'suspended') return again(message('passkey.suspended'), 403);
      await flow.authenticated(ctx, interaction, result.ok, passkey, ['hwk', 'user']);
    }

    const loginAgain: FormAgain = async (ctx, extra, status) => flow.showLogin(ctx, await passkeyLogin(ctx, deps), extra, status);
    return new Router().get('/passkey/options', options).post('/passkey', formPost(loginAgain), login);
  },
};
