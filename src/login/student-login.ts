import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { audit } from '../db/audit.ts';
import { enabledIdps, findTenant } from '../db/lookups.ts';
import { type Account, AccountModel } from '../db/models/account.ts';
import { RequiredActionModel } from '../db/models/required-action.ts';
import type { SamlIdp } from '../db/models/saml.ts';
import type { Tenant } from '../db/models/tenant.ts';
import { loginUrl } from '../flows/application/routes.ts';
import { issueToken } from '../flows/one-time-token.ts';
import { confirmedMailAddress, formBody, formField, newSecondPasswordFromForm } from '../http/form.ts';
import { render } from '../http/views.ts';
import { translator } from '../i18n/index.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { ACR, AMR } from '../oidc/acr.ts';
import type { PageDeps } from '../oidc/page-deps.ts';
import { sendAuthnRequest } from '../saml/authn-request.ts';
import { csrfValid } from '../security/csrf.ts';
import { Throttle } from '../security/throttle.ts';
import { newSecondPasswordErrors, setSecondPassword } from '../strategies/password-setting.ts';
import { finishLogin, type InteractionContext, interactionExpired, loadInteraction } from './interaction-context.ts';

/** What a student still has to do in this login: S2 mail address, S3 second password, or nothing. */
type Step = 'mail' | 'set-second-password' | 'second-password' | 'done';

function nextStep(tenant: Tenant, account: Account): Step {
  if (!account.emailVerified) return 'mail';
  if (!tenant.studentSecondPassword) return 'done';
  return account.secondPasswordHash ? 'second-password' : 'set-second-password';
}

/** The interaction and the student the university's sign-in just vouched for in it. */
async function pendingStudent(
  ctx: Context,
  provider: Provider,
): Promise<{ it: InteractionContext; account: Account } | undefined> {
  const it = await loadInteraction(ctx, provider);
  if (it?.details.prompt.name !== 'login') return undefined;
  const action = await RequiredActionModel.findById(it.uid).lean();
  if (action?.action !== 'student' || action.expiresAt <= new Date()) return undefined;
  const account = await AccountModel.findOne({ _id: action.accountId, tenantId: it.tenantId, kind: 'student' }).lean<Account>();
  return account ? { it, account } : undefined;
}

/** Enabled IdPs of the interaction's university, in the order the operator added them. */
export async function studentIdps(tenant: Tenant): Promise<SamlIdp[]> {
  if (!tenant.loginMethods?.student) return [];
  return enabledIdps(tenant._id);
}

/**
 * Requirement S1-S3 inside the OIDC login: to the university's IdP and back (src/login/saml-routes.ts verifies
 * the answer), then the first-login mail address, the second password where the university wants
 * one, and the login completes at the relying party.
 */
export function studentLoginRoutes(deps: PageDeps): Router {
  const { provider, config, sps, hasher, logger } = deps;
  const router = new Router();
  const throttle = new Throttle(config.throttle);

  router.get('/saml/:idp', async (ctx) => {
    const it = await loadInteraction(ctx, provider);
    if (it?.details.prompt.name !== 'login') return interactionExpired(ctx);
    const idp = (await studentIdps(it.tenant)).find((candidate) => candidate.slug === ctx.params.idp);
    if (!idp) return ctx.throw(404);
    await sendAuthnRequest(ctx, sps, idp, it.uid, config.saml.requestMinutes);
  });

  const finish = async (ctx: Context, it: InteractionContext, account: Account, withSecondPassword: boolean) => {
    await RequiredActionModel.deleteOne({ _id: it.uid });
    const method = withSecondPassword
      ? { acr: ACR.samlAndSecondPassword, amr: AMR.samlAndSecondPassword }
      : { acr: ACR.saml, amr: AMR.saml };
    await audit(logger, {
      event: 'login.succeeded',
      tenant: it.tenantId,
      account: account._id.toString(),
      method: method.acr,
      ip: ctx.ip,
    });
    return finishLogin(it, account, method);
  };

  const showStep = async (
    ctx: Context,
    it: InteractionContext,
    account: Account,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const step = nextStep(it.tenant, account);
    const common = { uid: it.uid, tenantId: it.tenantId, branding: it.branding, errors: {}, ...extra };
    if (step === 'mail') {
      return render(ctx, 'student-mail', { values: { email: '', emailConfirm: '' }, ...common }, status);
    }
    if (step === 'set-second-password') {
      return render(
        ctx,
        'student-second-password-set',
        { action: `/interaction/${it.uid}/student/second-password`, ...common },
        status,
      );
    }
    if (step === 'second-password') return render(ctx, 'student-second-password', common, status);
    ctx.status = 303;
    ctx.redirect(await finish(ctx, it, account, false));
  };

  router.get('/student', async (ctx) => {
    const found = await pendingStudent(ctx, provider);
    if (found) return showStep(ctx, found.it, found.account);
    // "Move to Login page" opened where this login does not live (another browser, or too late): start again.
    const tenant = typeof ctx.query.t === 'string' ? await findTenant(ctx.query.t) : undefined;
    if (tenant) return ctx.redirect(loginUrl(tenant, config.issuer));
    interactionExpired(ctx);
  });

  // S2: the contact address, typed twice, confirmed by a one-time URL.
  router.post('/student/mail', formBody, async (ctx) => {
    const found = await pendingStudent(ctx, provider);
    if (!found || nextStep(found.it.tenant, found.account) !== 'mail') return interactionExpired(ctx);
    const { it, account } = found;
    const t = translator(ctx.state.lang);
    const values = { email: formField(ctx, 'email').trim(), emailConfirm: formField(ctx, 'emailConfirm').trim() };
    if (!csrfValid(ctx)) return showStep(ctx, it, account, { values, formError: t('form.csrf') }, 403);
    const { address, errors } = confirmedMailAddress(t, values, t('student.mail.email'), t('student.mail.mismatch'));
    if (!address) return showStep(ctx, it, account, { values, errors }, 400);
    if (!(await throttle.allowMail(it.tenantId, address, ctx.ip))) {
      return showStep(ctx, it, account, { values, formError: t('throttle.tooMany') }, 429);
    }
    const token = await issueToken({
      purpose: 'student-mail',
      tenantId: it.tenantId,
      email: address,
      lang: ctx.state.lang,
      ttlMinutes: config.application.urlMinutes,
      ref: account._id.toString(),
      interaction: it.uid,
    });
    await enqueueMail({
      tenantId: it.tenantId,
      to: address,
      lang: ctx.state.lang,
      template: 'studentMail',
      values: { url: `${config.issuer}/t/${it.tenantId}/student-mail/${token}`, minutes: String(config.application.urlMinutes) },
    });
    await audit(logger, { event: 'student.mail_requested', tenant: it.tenantId, account: account._id.toString(), ip: ctx.ip });
    render(ctx, 'student-mail-sent', { minutes: config.application.urlMinutes });
  });

  // S3: set the second password at the first login, or enter it on every later one.
  router.post('/student/second-password', formBody, async (ctx) => {
    const found = await pendingStudent(ctx, provider);
    const step = found && nextStep(found.it.tenant, found.account);
    if (!found || (step !== 'second-password' && step !== 'set-second-password')) return interactionExpired(ctx);
    const { it, account } = found;
    const t = translator(ctx.state.lang);
    if (!csrfValid(ctx)) return showStep(ctx, it, account, { formError: t('form.csrf') }, 403);
    const accountId = account._id.toString();

    if (step === 'set-second-password') {
      const input = newSecondPasswordFromForm(ctx);
      const errors = newSecondPasswordErrors(t, input);
      if (Object.keys(errors).length) return showStep(ctx, it, account, { errors }, 400);
      await setSecondPassword(hasher, account._id, input.secondPassword);
      await audit(logger, { event: 'student.second_password_set', tenant: it.tenantId, account: accountId, ip: ctx.ip });
      const returnTo = await finish(ctx, it, account, true);
      return render(ctx, 'passwords-set', {
        titleKey: 'student.second.setTitle',
        messageKey: 'student.second.setDone',
        returnTo,
      });
    }

    const secondPassword = formField(ctx, 'secondPassword', 128);
    if (!secondPassword) {
      return showStep(
        ctx,
        it,
        account,
        { errors: { secondPassword: t('form.required', { field: t('passwords.secondPassword') }) } },
        400,
      );
    }
    const keys = [`second-password:${accountId}`, `login-ip:${ctx.ip}`];
    const { wait, recorded } = await throttle.check(keys);
    if (wait) return showStep(ctx, it, account, { formError: t('throttle.wait', { seconds: wait }) }, 429);
    if (!(await hasher.verify(account.secondPasswordHash, secondPassword))) {
      await throttle.fail(keys[0] as string, config.throttle.accountFreeFailures);
      await throttle.fail(keys[1] as string, config.throttle.ipFreeFailures);
      await audit(logger, {
        event: 'login.failed',
        tenant: it.tenantId,
        account: accountId,
        method: 'second-password',
        ip: ctx.ip,
      });
      return showStep(ctx, it, account, { formError: t('student.second.failed') }, 401);
    }
    if (recorded.has(keys[0] as string)) await throttle.reset(keys[0] as string);
    ctx.status = 303;
    ctx.redirect(await finish(ctx, it, account, true));
  });

  return router;
}
