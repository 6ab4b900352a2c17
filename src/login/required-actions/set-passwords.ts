import Router from '@koa/router';
import type { Context } from 'koa';
import { passwordRulesOf } from '../../credentials/password-policy.ts';
import { newPasswordErrors, setGraduatePasswords } from '../../credentials/password-setting.ts';
import { audit } from '../../db/audit.ts';
import { newPasswordsFromForm } from '../../http/form.ts';
import { render } from '../../http/views.ts';
import type { PageDeps } from '../../page-deps.ts';
import { formPost } from '../../security/csrf.ts';
import type { LoginFlow, RequiredAction } from '../contract.ts';

/**
 * Requirement G2, first login: the Password Setting screen (password and second password, each typed
 * twice) after the initial password (Keycloak's UPDATE_PASSWORD).
 */
export const setPasswords: RequiredAction = {
  id: 'set-passwords',
  applies: ({ account }) => Boolean(account.mustSetPasswords),
  show: (ctx, { interaction }, extra = {}, status = 200) =>
    render(ctx, 'set-passwords', { uid: interaction.uid, branding: interaction.branding, errors: {}, ...extra }, status),

  interactionRoutes({ hasher, logger }: PageDeps, flow: LoginFlow) {
    /** POST /interaction/:uid/set-passwords */
    async function setBoth(ctx: Context): Promise<void> {
      const login = await flow.pendingAt(ctx, setPasswords);
      const { interaction, account } = login;
      const input = newPasswordsFromForm(ctx);
      const errors = await newPasswordErrors(
        hasher,
        input,
        account.passwordHash,
        passwordRulesOf(interaction.tenant, account.email),
      );
      if (Object.keys(errors).length) return setPasswords.show(ctx, login, { errors }, 400);

      await setGraduatePasswords(hasher, account._id.toString(), input.password, input.secondPassword);
      await audit(logger, { event: 'passwords.set', tenant: interaction.tenantId, account: account._id.toString(), ip: ctx.ip });
      const next = await flow.proceed(ctx, { ...login, account: { ...account, mustSetPasswords: false } }, setPasswords);
      render(ctx, 'passwords-set', { branding: interaction.branding, returnTo: next });
    }
    return new Router().post('/set-passwords', formPost(flow.showAgain(setPasswords)), setBoth);
  },
};
