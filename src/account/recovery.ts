import Router from '@koa/router';
import type { Context } from 'koa';
import type { Config } from '../config/schema.ts';
import { type Account, AccountModel, normalizeEmail } from '../db/models/account.ts';
import type { Tenant } from '../db/models/tenant.ts';
import { loginUrl } from '../flows/application/routes.ts';
import { checkToken, consumeToken, issueToken, type LinkProblem, showLinkProblem } from '../flows/one-time-token.ts';
import { formBody, formField, mailAddressError, newPasswordsFromForm } from '../http/form.ts';
import { render } from '../http/views.ts';
import { translator } from '../i18n/index.ts';
import { audit, type Logger } from '../log.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { endOtherSessions } from '../oidc/sessions.ts';
import { csrfValid } from '../security/csrf.ts';
import type { SecretHasher } from '../security/secrets.ts';
import { Throttle } from '../security/throttle.ts';
import { setGraduatePasswords } from '../strategies/graduate-password.ts';
import { newPasswordErrors } from '../strategies/password-setting.ts';

/**
 * SPEC G4 (f): "If you have forgotten your password" → mail address → the same answer whether or not
 * it is registered → one-time URL (30 minutes) → password and second password, each twice, both
 * different from the old ones → set → log in. Every session of the account ends.
 */
export function recoveryRoutes(config: Config, hasher: SecretHasher, logger: Logger): Router {
  const router = new Router({ prefix: '/password-reset' });
  const throttle = new Throttle(config.throttle);
  const tenantOf = (ctx: Context) => ctx.state.tenant as Tenant;
  const base = (ctx: Context) => `/t/${tenantOf(ctx)._id}/password-reset`;

  const showRequest = (ctx: Context, extra: Record<string, unknown> = {}, status = 200) =>
    render(ctx, 'reset-request', { action: base(ctx), values: {}, errors: {}, ...extra }, status);

  router.get('/', (ctx) => showRequest(ctx));

  router.post('/', formBody, async (ctx) => {
    const tenant = tenantOf(ctx);
    const t = translator(ctx.state.lang);
    const email = formField(ctx, 'email').trim();
    if (!csrfValid(ctx)) return showRequest(ctx, { values: { email }, formError: t('form.csrf') }, 403);
    const emailError = mailAddressError(t, email, t('login.email'));
    if (emailError) return showRequest(ctx, { values: { email }, errors: { email: emailError } }, 400);
    const address = normalizeEmail(email);
    const account = await AccountModel.findOne({ tenantId: tenant._id, email: address, kind: 'graduate' }).lean<Account>();
    if (account && (await throttle.allowMail(tenant._id, address, ctx.ip))) {
      const lang = ctx.state.lang;
      const token = await issueToken({
        purpose: 'password-reset',
        tenantId: tenant._id,
        email: address,
        lang,
        ttlMinutes: config.application.urlMinutes,
        ref: account._id.toString(),
      });
      const url = `${config.issuer}${base(ctx)}/${token}`;
      await enqueueMail({
        tenantId: tenant._id,
        to: address,
        lang,
        template: 'passwordReset',
        values: { url, minutes: String(config.application.urlMinutes) },
      });
    }
    await audit(logger, { event: 'account.reset_requested', tenant: tenant._id, ip: ctx.ip });
    ctx.status = 303;
    ctx.redirect(`${base(ctx)}/sent`);
  });

  router.get('/sent', (ctx) => render(ctx, 'account-done', { messageKey: 'reset.sent', minutes: config.application.urlMinutes }));

  const problem = (ctx: Context, reason: LinkProblem) => showLinkProblem(ctx, reason, base(ctx));
  const showSet = (ctx: Context, token: string, extra: Record<string, unknown> = {}, status = 200) =>
    render(ctx, 'reset-set', { action: `${base(ctx)}/${token}`, errors: {}, ...extra }, status);

  // Opening the link only shows the form; setting the passwords uses the token.
  router.get('/:token', async (ctx) => {
    const check = await checkToken(ctx.params.token ?? '', 'password-reset', tenantOf(ctx)._id);
    if (!check.ok) return problem(ctx, check.reason);
    showSet(ctx, ctx.params.token ?? '');
  });

  router.post('/:token', formBody, async (ctx) => {
    const tenant = tenantOf(ctx);
    const token = ctx.params.token ?? '';
    const t = translator(ctx.state.lang);
    const check = await checkToken(token, 'password-reset', tenant._id);
    if (!check.ok) return problem(ctx, check.reason);
    if (!csrfValid(ctx)) return showSet(ctx, token, { formError: t('form.csrf') }, 403);
    const account = await AccountModel.findOne({ _id: check.token.ref, tenantId: tenant._id }).lean<Account>();
    if (!account) return problem(ctx, 'invalid');
    const input = newPasswordsFromForm(ctx);
    const errors = await newPasswordErrors(t, hasher, input, account.passwordHash);
    if (!errors.secondPassword && (await hasher.verify(account.secondPasswordHash, input.secondPassword))) {
      errors.secondPassword = t('reset.sameAsOldSecond');
    }
    if (Object.keys(errors).length) return showSet(ctx, token, { errors }, 400);
    const used = await consumeToken(token, 'password-reset', tenant._id);
    if (!used.ok) return problem(ctx, used.reason);
    await setGraduatePasswords(hasher, account._id.toString(), input.password, input.secondPassword);
    const ended = await endOtherSessions(account._id.toString());
    await audit(logger, {
      event: 'account.reset',
      tenant: tenant._id,
      account: account._id.toString(),
      endedSessions: ended,
      ip: ctx.ip,
    });
    render(ctx, 'account-done', { messageKey: 'reset.done', next: loginUrl(tenant, config.issuer) });
  });

  return router;
}
