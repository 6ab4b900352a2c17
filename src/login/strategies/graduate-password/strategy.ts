import Router from '@koa/router';
import type { Context } from 'koa';
import { formField, mailAddressField } from '../../../http/form.ts';
import { type FieldErrors, message } from '../../../i18n/index.ts';
import { ACR } from '../../../oidc/acr.ts';
import type { PageDeps } from '../../../page-deps.ts';
import { type FormAgain, formPost } from '../../../security/csrf.ts';
import type { LoginFlow, LoginStrategy } from '../../contract.ts';
import { interactionAt } from '../../interaction-context.ts';
import { strategyFolder } from '../../strategy-folder.ts';
import { authenticateGraduate } from './authenticate.ts';

strategyFolder('graduate-password', import.meta.url);

/** Requirement G2: a graduate's mail address, password and second password (the initial password on the first login). */
export const graduatePassword: LoginStrategy = {
  id: 'graduate-password',

  async offer(interaction) {
    if (interaction.tenant.loginMethods?.graduate === false) return undefined;
    return { acr: ACR.passwordAndSecondPassword, titleKey: 'login.graduateTitle', view: {} };
  },

  interactionRoutes({ provider, hasher }: PageDeps, flow: LoginFlow) {
    /** POST /interaction/:uid/login: the form is checked, then the guess is throttled and audited by the flow. */
    async function graduateLogin(ctx: Context): Promise<void> {
      const interaction = await interactionAt(ctx, provider);
      if (interaction.tenant.loginMethods?.graduate === false) return ctx.throw(404);
      const values = { email: formField(ctx, 'email').trim() };
      const again = (extra: Record<string, unknown>, status: number) =>
        flow.showLogin(ctx, interaction, { values, ...extra }, status);

      const password = formField(ctx, 'password');
      const secondPassword = formField(ctx, 'secondPassword');
      const errors: FieldErrors = {};
      const { address, error: emailError } = mailAddressField(values.email, 'login.email');
      if (emailError) errors.email = emailError;
      if (!password) errors.password = message('form.required', { field: message('login.password') });
      if (!address || Object.keys(errors).length) return again({ errors }, 400);

      const guess = {
        tenantId: interaction.tenantId,
        method: graduatePassword.id,
        key: `login:${interaction.tenantId}:${address}`,
      };
      const result = await flow.attempt(ctx, guess, () =>
        authenticateGraduate(hasher, interaction.tenantId, { email: address, password, secondPassword }),
      );
      if ('wait' in result) return again({ formError: message('throttle.wait', { seconds: result.wait }) }, 429);
      if ('refused' in result) return again({ formError: message('login.failed') }, 401);
      // The first login's initial password comes with an empty second password: only `pwd` is earned.
      await flow.authenticated(
        ctx,
        interaction,
        result.ok,
        graduatePassword,
        result.ok.mustSetPasswords ? ['pwd'] : ['pwd', 'kba'],
      );
    }

    /** The login page again, when the form is refused before graduateLogin (src/security/csrf.ts). */
    const loginAgain: FormAgain = async (ctx, extra, status) => {
      const interaction = await interactionAt(ctx, provider);
      await flow.showLogin(ctx, interaction, extra, status);
    };

    return new Router().post('/login', formPost(loginAgain), graduateLogin);
  },
};
