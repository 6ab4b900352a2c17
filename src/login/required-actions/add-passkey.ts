import Router from '@koa/router';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Context } from 'koa';
import {
  accountHolder,
  addPasskey,
  credentialJson,
  hasPasskey,
  registrationOptions,
  webAuthnSite,
} from '../../credentials/passkeys.ts';
import { audit } from '../../db/audit.ts';
import { formField } from '../../http/form.ts';
import { seeOther } from '../../http/redirect.ts';
import { render } from '../../http/views.ts';
import { message } from '../../i18n/index.ts';
import { notify } from '../../mail/notices.ts';
import type { PageDeps } from '../../page-deps.ts';
import { formPost } from '../../security/csrf.ts';
import type { LoginFlow, RequiredAction } from '../contract.ts';

/**
 * Where a university requires passkeys, a graduate who logs in without one (the first login, with
 * the initial password, included) registers one before the login completes (Keycloak's
 * webauthn-register-passwordless).
 */
export const addPasskeyAction: RequiredAction = {
  id: 'add-passkey',
  applies: async ({ interaction, account }) =>
    interaction.tenant.passkeys === 'required' && account.kind === 'graduate' && !(await hasPasskey(account._id.toString())),

  async show(ctx, { interaction, account }, extra = {}, status = 200) {
    const options = await registrationOptions(
      webAuthnSite(interaction.issuer),
      accountHolder(account),
      interaction.branding.university,
    );
    render(
      ctx,
      'passkey-register',
      {
        branding: interaction.branding,
        titleKey: 'passkey.requiredTitle',
        introKey: 'passkey.requiredIntro',
        options: JSON.stringify(options),
        action: `/interaction/${interaction.uid}/passkey/register`,
        errors: {},
        ...extra,
      },
      status,
    );
  },

  interactionRoutes({ logger }: PageDeps, flow: LoginFlow) {
    /** POST /interaction/:uid/passkey/register: the new passkey, then on with the login. */
    async function register(ctx: Context): Promise<void> {
      const login = await flow.pendingAt(ctx, addPasskeyAction);
      const { interaction, account } = login;
      const response = credentialJson<RegistrationResponseJSON>(formField(ctx, 'response', 20_000));
      const name = formField(ctx, 'name', 60);
      const added = response && (await addPasskey(webAuthnSite(interaction.issuer), accountHolder(account), response, name));
      const who = { tenant: interaction.tenantId, account: account._id.toString(), ip: ctx.ip };
      if (!added) {
        await audit(logger, { event: 'passkey.add_failed', ...who });
        return addPasskeyAction.show(ctx, login, { formError: message('passkey.registerFailed') }, 400);
      }
      await audit(logger, { event: 'passkey.added', ...who });
      await notify(account, 'passkeyAdded', interaction.issuer, { name: added.name || '—' });
      seeOther(ctx, await flow.proceed(ctx, login, addPasskeyAction));
    }
    return new Router().post('/passkey/register', formPost(flow.showAgain(addPasskeyAction)), register);
  },
};
