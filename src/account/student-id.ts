import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import { audit } from '../db/audit.ts';
import { type Account, AccountModel } from '../db/models/account.ts';
import { ApplicationModel } from '../db/models/application.ts';
import { formBody, formField } from '../http/form.ts';
import { displayValue, studentIdFields, validateFields } from '../http/form-items.ts';
import { accountOf, tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { translator } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { csrfValid } from '../security/csrf.ts';
import { checkToken, consumeToken, issueToken, type LinkProblem, showLinkProblem } from '../security/one-time-token.ts';
import { Throttle } from '../security/throttle.ts';
import { requireAccount } from './guard.ts';

/**
 * Requirement G3 / S4: Register additional student ID number → notes → Send → mail with a one-time URL →
 * form → Check → Application → accepted; staff decide it in the console (src/review/decide.ts).
 */
export function studentIdRoutes(provider: Provider, config: Config, logger: Logger): Router {
  const router = new Router({ prefix: '/account/student-id' });
  const throttle = new Throttle(config.throttle);
  const signedIn = requireAccount(provider, config);
  const base = (ctx: Context) => `/t/${tenantOf(ctx)._id}/account/student-id`;

  router.get('/', signedIn, (ctx) =>
    render(ctx, 'student-id-start', { action: base(ctx), account: `/t/${tenantOf(ctx)._id}/account` }),
  );

  router.post('/', signedIn, formBody, async (ctx) => {
    const tenant = tenantOf(ctx);
    const account = accountOf(ctx);
    if (!csrfValid(ctx))
      return render(ctx, 'student-id-start', { action: base(ctx), formError: translator(ctx.state.lang)('form.csrf') }, 403);
    const lang = ctx.state.lang;
    if (!(await throttle.allowMail(tenant._id, account.email, ctx.ip))) {
      return render(ctx, 'student-id-start', { action: base(ctx), formError: translator(lang)('throttle.tooMany') }, 429);
    }
    const token = await issueToken({
      purpose: 'student-id',
      tenantId: tenant._id,
      email: account.email,
      lang,
      ttlMinutes: config.application.urlMinutes,
      ref: account._id.toString(),
    });
    const url = `${config.issuer}${base(ctx)}/form/${token}`;
    await enqueueMail({
      tenantId: tenant._id,
      to: account.email,
      lang,
      template: 'studentIdLink',
      values: { url, minutes: String(config.application.urlMinutes) },
    });
    render(ctx, 'account-done', {
      base: `/t/${tenant._id}/account`,
      messageKey: 'studentId.sent',
      minutes: config.application.urlMinutes,
    });
  });

  const problem = (ctx: Context, reason: LinkProblem) => showLinkProblem(ctx, reason, base(ctx));
  const show = (
    ctx: Context,
    view: string,
    token: string,
    values: Record<string, string>,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const tenant = tenantOf(ctx);
    const fields = studentIdFields(tenant);
    const t = translator(ctx.state.lang);
    const rows = fields.map((field) => ({
      field,
      label: t(`application.fields.${field.name}`),
      value: displayValue(t, tenant, ctx.state.lang, field, values[field.name]),
    }));
    render(
      ctx,
      view,
      {
        action: `${base(ctx)}/form/${token}`,
        back: `/t/${tenant._id}/account`,
        fields,
        rows,
        values,
        catalogue: tenant.catalogue ?? [],
        errors: {},
        ...extra,
      },
      status,
    );
  };

  router.get('/form/:token', async (ctx) => {
    const check = await checkToken(ctx.params.token ?? '', 'student-id', tenantOf(ctx)._id);
    if (!check.ok) return problem(ctx, check.reason);
    show(ctx, 'student-id-form', ctx.params.token ?? '', {});
  });

  router.post('/form/:token', formBody, async (ctx) => {
    const tenant = tenantOf(ctx);
    const token = ctx.params.token ?? '';
    const t = translator(ctx.state.lang);
    const check = await checkToken(token, 'student-id', tenant._id);
    if (!check.ok) return problem(ctx, check.reason);
    const { values, errors } = validateFields(t, tenant, (name) => formField(ctx, name, 200), studentIdFields(tenant));
    if (!csrfValid(ctx)) return show(ctx, 'student-id-form', token, values, { formError: t('form.csrf') }, 403);
    if (Object.keys(errors).length) return show(ctx, 'student-id-form', token, values, { errors }, 400);
    // Back from the confirmation screen: the form again, as it was filled in.
    if (formField(ctx, 'back') === 'yes') return show(ctx, 'student-id-form', token, values);
    if (formField(ctx, 'confirmed') !== 'yes') return show(ctx, 'student-id-confirm', token, values);
    const account = await AccountModel.findOne({ _id: check.token.ref, tenantId: tenant._id }).lean<Account>();
    if (!account) return problem(ctx, 'invalid');
    const used = await consumeToken(token, 'student-id', tenant._id);
    if (!used.ok) return problem(ctx, used.reason);
    const application = await ApplicationModel.create({
      tenantId: tenant._id,
      email: account.email,
      lang: ctx.state.lang,
      type: 'student-id',
      values,
      accountId: account._id.toString(),
      status: 'pending',
      submittedAt: new Date(),
    });
    await audit(logger, {
      event: 'student_id.applied',
      tenant: tenant._id,
      account: account._id.toString(),
      application: application._id.toString(),
    });
    render(ctx, 'account-done', { messageKey: 'studentId.accepted' });
  });

  return router;
}
