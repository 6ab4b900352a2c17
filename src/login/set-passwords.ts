import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { audit } from '../db/audit.ts';
import { type Account, AccountModel } from '../db/models/account.ts';
import { RequiredActionModel } from '../db/models/required-action.ts';
import { formBody, newPasswordsFromForm } from '../http/form.ts';
import { render } from '../http/views.ts';
import { translator } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import { ACR, AMR } from '../oidc/acr.ts';
import { csrfValid } from '../security/csrf.ts';
import type { SecretHasher } from '../security/secrets.ts';
import { setGraduatePasswords } from '../strategies/graduate-password.ts';
import { newPasswordErrors } from '../strategies/password-setting.ts';
import { finishLogin, type InteractionContext, interactionExpired, loadInteraction } from './interaction-context.ts';

/** The interaction and the account whose initial password was just accepted in it. */
async function pending(ctx: Context, provider: Provider): Promise<{ it: InteractionContext; account: Account } | undefined> {
  const it = await loadInteraction(ctx, provider);
  if (it?.details.prompt.name !== 'login') return undefined;
  const action = await RequiredActionModel.findById(it.uid).lean();
  if (!action || action.expiresAt <= new Date()) return undefined;
  const account = await AccountModel.findById(action.accountId).lean<Account>();
  return account?.mustSetPasswords ? { it, account } : undefined;
}

/** First login: the Password Setting screen (password and second password, each typed twice). */
export function setPasswordsRoutes(provider: Provider, hasher: SecretHasher, logger: Logger): Router {
  const router = new Router();
  const show = (ctx: Context, it: InteractionContext, extra: Record<string, unknown> = {}, status = 200) =>
    render(ctx, 'set-passwords', { uid: it.uid, branding: it.branding, errors: {}, ...extra }, status);

  router.get('/set-passwords', async (ctx) => {
    const found = await pending(ctx, provider);
    if (!found) return interactionExpired(ctx);
    show(ctx, found.it);
  });

  router.post('/set-passwords', formBody, async (ctx) => {
    const found = await pending(ctx, provider);
    if (!found) return interactionExpired(ctx);
    const { it, account } = found;
    const t = translator(ctx.state.lang);
    if (!csrfValid(ctx)) return show(ctx, it, { formError: t('form.csrf') }, 403);
    const input = newPasswordsFromForm(ctx);
    const errors = await newPasswordErrors(t, hasher, input, account.passwordHash);
    if (Object.keys(errors).length) return show(ctx, it, { errors }, 400);

    await setGraduatePasswords(hasher, account._id.toString(), input.password, input.secondPassword);
    await RequiredActionModel.deleteOne({ _id: it.uid });
    await audit(logger, { event: 'passwords.set', tenant: it.tenantId, account: account._id.toString(), ip: ctx.ip });
    const returnTo = await finishLogin(it, account, {
      acr: ACR.passwordAndSecondPassword,
      amr: AMR.passwordAndSecondPassword,
    });
    render(ctx, 'passwords-set', { branding: it.branding, returnTo });
  });

  return router;
}
