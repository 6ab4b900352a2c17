import Router from '@koa/router';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Context } from 'koa';
import {
  accountHolder,
  addPasskey,
  authenticationOptions,
  credentialJson,
  hasPasskey,
  registrationOptions,
  verifyPasskey,
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
import type { LoginFlow, PendingLogin, RequiredAction } from '../contract.ts';

const path = (login: PendingLogin) => `/interaction/${login.interaction.uid}/student/passkey`;

/**
 * Where the university wants it, a student confirms with a passkey of this service after the
 * university's sign-in, in place of the second password (S3): one is created at the first login and
 * asked for at every later one; the acr says so (urn:cert-idp:acr:saml+passkey).
 */
export const studentPasskey: RequiredAction = {
  id: 'student-passkey',
  applies: ({ interaction, account }) => account.kind === 'student' && Boolean(interaction.tenant.studentPasskey),

  async show(ctx, login, extra = {}, status = 200) {
    const { interaction, account } = login;
    const common = { branding: interaction.branding, uid: interaction.uid, errors: {}, ...extra };
    if (await hasPasskey(account._id.toString())) {
      const urls = { optionsUrl: `${path(login)}/options`, passkeyAction: path(login) };
      return render(ctx, 'student-passkey', { ...urls, ...common }, status);
    }
    const options = await registrationOptions(
      webAuthnSite(interaction.issuer),
      accountHolder(account),
      interaction.branding.university,
    );
    const page = {
      titleKey: 'passkey.studentTitle',
      introKey: 'passkey.studentRegisterIntro',
      action: `${path(login)}/register`,
    };
    render(ctx, 'passkey-register', { ...page, options: JSON.stringify(options), ...common }, status);
  },

  interactionRoutes({ logger }: PageDeps, flow: LoginFlow) {
    const next = async (ctx: Context, login: PendingLogin) => {
      // Registered (with the person verified) or used: the passkey is a method of this login.
      seeOther(ctx, await flow.proceed(ctx, login, studentPasskey, ['hwk', 'user']));
    };

    /** GET …/options: a challenge for the student's own passkeys, bound to this login. */
    async function options(ctx: Context): Promise<void> {
      const { interaction, account } = await flow.pendingAt(ctx, studentPasskey);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = await authenticationOptions(
        webAuthnSite(interaction.issuer),
        { tenantId: interaction.tenantId, interaction: interaction.uid },
        account._id.toString(),
      );
    }

    /** POST …/student/passkey: the student's passkey, a guess the flow throttles. */
    async function confirm(ctx: Context): Promise<void> {
      const login = await flow.pendingAt(ctx, studentPasskey);
      const { interaction, account } = login;
      const accountId = account._id.toString();
      const response = credentialJson<AuthenticationResponseJSON>(formField(ctx, 'response', 20_000));
      const bound = { tenantId: interaction.tenantId, interaction: interaction.uid, owner: 'account' as const };
      const guess = {
        tenantId: interaction.tenantId,
        method: studentPasskey.id,
        key: `second-factor:${accountId}`,
        account: accountId,
      };
      const result = await flow.attempt(ctx, guess, async () => {
        const proven = response && (await verifyPasskey(webAuthnSite(interaction.issuer), response, bound, logger));
        if (proven?.accountId !== accountId) return undefined;
        return proven.suspended ? ('suspended' as const) : ('proven' as const);
      });
      if ('wait' in result)
        return studentPasskey.show(ctx, login, { formError: message('throttle.wait', { seconds: result.wait }) }, 429);
      if ('refused' in result) return studentPasskey.show(ctx, login, { formError: message('passkey.failed') }, 401);
      if (result.ok === 'suspended') return studentPasskey.show(ctx, login, { formError: message('passkey.suspended') }, 403);
      await next(ctx, login);
    }

    /** POST …/student/passkey/register: the first login's new passkey. */
    async function register(ctx: Context): Promise<void> {
      const login = await flow.pendingAt(ctx, studentPasskey);
      const { interaction, account } = login;
      const response = credentialJson<RegistrationResponseJSON>(formField(ctx, 'response', 20_000));
      const name = formField(ctx, 'name', 60);
      const added = response && (await addPasskey(webAuthnSite(interaction.issuer), accountHolder(account), response, name));
      const who = { tenant: interaction.tenantId, account: account._id.toString(), ip: ctx.ip };
      await audit(logger, { event: added ? 'passkey.added' : 'passkey.add_failed', ...who });
      if (!added) return studentPasskey.show(ctx, login, { formError: message('passkey.registerFailed') }, 400);
      await notify(account, 'passkeyAdded', interaction.issuer, { name: added.name || '—' });
      await next(ctx, login);
    }

    const again = formPost(flow.showAgain(studentPasskey));
    return new Router()
      .get('/student/passkey/options', options)
      .post('/student/passkey', again, confirm)
      .post('/student/passkey/register', again, register);
  },
};
