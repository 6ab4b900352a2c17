import Router from '@koa/router';
import type { Context } from 'koa';
import type { Config } from '../../config/schema.ts';
import { addressInUse } from '../../db/account-address.ts';
import { audit } from '../../db/audit.ts';
import { claimOnce } from '../../db/claim.ts';
import { type Application, ApplicationModel, imageBytes } from '../../db/models/application.ts';
import { type ApplicationFlow, ApplicationFlowModel } from '../../db/models/application-flow.ts';
import type { Tenant } from '../../db/models/tenant.ts';
import { confirmedMailAddress, formBody, formField, multipartBody } from '../../http/form.ts';
import { displayValue, GROUPS, tenantFields, validateFields } from '../../http/form-items.ts';
import { tenantOf } from '../../http/state.ts';
import { tenantLoginUrl } from '../../http/tenant.ts';
import { render } from '../../http/views.ts';
import { translator } from '../../i18n/index.ts';
import type { Logger } from '../../log.ts';
import { enqueueMail } from '../../mail/outbox.ts';
import { csrfValid } from '../../security/csrf.ts';
import {
  checkToken,
  consumeToken,
  issueToken,
  type LinkProblem,
  showLinkProblem,
  type TokenCheck,
} from '../../security/one-time-token.ts';
import { Throttle } from '../../security/throttle.ts';
import { currentFlow, endFlow, startFlow } from './flow-store.ts';
import { applicationUpload, SIDES } from './uploads.ts';

/** Where "Log in here" in mails points: the tenant's certificate front end, else our notice page. */
/**
 * Requirement G1: mail address setting → confirmation mail (one-time URL) → terms of use → applicant form
 * with identification images → confirmation → application reception. Also the resubmission link.
 */
export function applicationRoutes(config: Config, logger: Logger): Router {
  const router = new Router({ prefix: '/apply' });
  const settings = config.application;
  const upload = applicationUpload(settings.maxImageBytes);
  const throttle = new Throttle(config.throttle);
  const base = (tenant: Tenant) => `/t/${tenant._id}/apply`;

  /** A link that is unknown, expired or used, or a flow that expired: say so and offer a fresh start. */
  const problem = (ctx: Context, reason: LinkProblem) => showLinkProblem(ctx, reason, base(tenantOf(ctx)));
  /** A link that cannot be used; once its address has an account (approved meanwhile), the way is to log in. */
  const linkProblem = async (ctx: Context, check: Extract<TokenCheck, { ok: false }>) => {
    const tenant = tenantOf(ctx);
    if (check.reason !== 'invalid' && (await addressInUse(tenant._id, check.email))) {
      return render(ctx, 'apply-problem', { reason: 'registered', startUrl: tenantLoginUrl(tenant, config.issuer) }, 410);
    }
    problem(ctx, check.reason);
  };

  // 1. Mail address setting
  const showEmail = (ctx: Context, extra: Record<string, unknown> = {}, status = 200) =>
    // "Back" (as in the manual) returns to the login the person came from.
    render(
      ctx,
      'apply-email',
      { action: base(tenantOf(ctx)), back: `/t/${tenantOf(ctx)._id}/login`, values: {}, errors: {}, ...extra },
      status,
    );

  router.get('/', (ctx) => showEmail(ctx));

  router.post('/', formBody, async (ctx) => {
    const tenant = tenantOf(ctx);
    const t = translator(ctx.state.lang);
    const values = { email: formField(ctx, 'email'), emailConfirm: formField(ctx, 'emailConfirm') };
    if (!csrfValid(ctx)) return showEmail(ctx, { values, formError: t('form.csrf') }, 403);
    const { address, errors } = confirmedMailAddress(t, values, t('apply.email'), t('apply.emailMismatch'));
    if (!address) return showEmail(ctx, { values, errors }, 400);

    const lang = ctx.state.lang;
    // The page says the same either way; only the address's owner learns, by mail, that it is taken.
    // Past the hourly limits nothing is sent, and the page still says the same (no mail bombing).
    if (!(await throttle.allowMail(tenant._id, address, ctx.ip))) {
      await audit(logger, { event: 'apply.mail_throttled', tenant: tenant._id, ip: ctx.ip });
    } else {
      // The same work either way (no timing difference): the token is written for a registered
      // address too, and only its owner's mail tells them to log in instead.
      const registered = await addressInUse(tenant._id, address);
      const token = await issueToken({
        purpose: 'apply',
        tenantId: tenant._id,
        email: address,
        lang,
        ttlMinutes: settings.urlMinutes,
      });
      const mail: { template: string; values: Record<string, string> } = registered
        ? { template: 'alreadyRegistered', values: { url: tenantLoginUrl(tenant, config.issuer) } }
        : {
            template: 'verifyAddress',
            values: { url: `${config.issuer}${base(tenant)}/verify/${token}`, minutes: String(settings.urlMinutes) },
          };
      await enqueueMail({ tenantId: tenant._id, to: address, lang, ...mail });
    }
    await audit(logger, { event: 'apply.mail_requested', tenant: tenant._id, ip: ctx.ip });
    ctx.status = 303;
    ctx.redirect(`${base(tenant)}/sent`);
  });

  router.get('/sent', (ctx) => render(ctx, 'apply-sent', { minutes: settings.urlMinutes }));

  // 2. The one-time URL: terms of use. GET only reads the token so mail scanners cannot spend it.
  const showTerms = (ctx: Context, token: string, extra: Record<string, unknown> = {}, status = 200) => {
    const tenant = tenantOf(ctx);
    render(
      ctx,
      'apply-terms',
      {
        action: `${base(tenant)}/verify/${token}`,
        terms: tenant.terms?.[ctx.state.lang] ?? '',
        errors: {},
        ...extra,
      },
      status,
    );
  };

  router.get('/verify/:token', async (ctx) => {
    const check = await checkToken(ctx.params.token ?? '', 'apply', tenantOf(ctx)._id);
    if (!check.ok) return linkProblem(ctx, check);
    showTerms(ctx, ctx.params.token ?? '');
  });

  router.post('/verify/:token', formBody, async (ctx) => {
    const tenant = tenantOf(ctx);
    const token = ctx.params.token ?? '';
    const t = translator(ctx.state.lang);
    if (!csrfValid(ctx)) return showTerms(ctx, token, { formError: t('form.csrf') }, 403);
    if (formField(ctx, 'agree') !== 'yes') return showTerms(ctx, token, { errors: { agree: t('apply.mustAgree') } }, 400);
    const used = await consumeToken(token, 'apply', tenant._id);
    if (!used.ok) return linkProblem(ctx, used);
    await startFlow(
      ctx,
      { tenantId: tenant._id, email: used.token.email, lang: ctx.state.lang, values: {} },
      settings.flowMinutes,
    );
    ctx.status = 303;
    ctx.redirect(`${base(tenant)}/form`);
  });

  // 3. The applicant form
  const showForm = (ctx: Context, flow: ApplicationFlow, extra: Record<string, unknown> = {}, status = 200) => {
    const tenant = tenantOf(ctx);
    render(
      ctx,
      'apply-form',
      {
        action: `${base(tenant)}/form`,
        base: base(tenant),
        email: flow.email,
        fields: tenantFields(tenant),
        groups: GROUPS,
        catalogue: tenant.catalogue ?? [],
        values: flow.values ?? {},
        uploaded: { front: Boolean(flow.images?.front), back: Boolean(flow.images?.back) },
        maxMb: Math.floor(settings.maxImageBytes / 1_048_576),
        maxBytes: settings.maxImageBytes,
        resubmission: Boolean(flow.resubmissionOf),
        errors: {},
        ...extra,
      },
      status,
    );
  };

  router.get('/form', async (ctx) => {
    const flow = await currentFlow(ctx, tenantOf(ctx)._id);
    if (!flow) return problem(ctx, 'noFlow');
    showForm(ctx, flow);
  });

  // "Back" from the form (as in the manual): the terms again, already agreed to, with the way on.
  router.get('/terms', async (ctx) => {
    const tenant = tenantOf(ctx);
    if (!(await currentFlow(ctx, tenant._id))) return problem(ctx, 'noFlow');
    render(ctx, 'apply-terms', {
      agreed: true,
      formUrl: `${base(tenant)}/form`,
      terms: tenant.terms?.[ctx.state.lang] ?? '',
      errors: {},
    });
  });

  router.post('/form', multipartBody, async (ctx) => {
    const tenant = tenantOf(ctx);
    const flow = await currentFlow(ctx, tenant._id);
    if (!flow) return problem(ctx, 'noFlow');
    const t = translator(ctx.state.lang);
    const { images, imageErrors } = await upload(ctx);
    if (!csrfValid(ctx)) return showForm(ctx, flow, { formError: t('form.csrf') }, 403);
    const { values, errors } = validateFields(t, tenant, (name) => formField(ctx, name, 2000));
    const merged = { ...flow.images, ...images };
    for (const side of SIDES) {
      const problemKind = imageErrors[side];
      if (problemKind)
        errors[`id_${side}`] = t(`form.image.${problemKind}`, { mb: Math.floor(settings.maxImageBytes / 1_048_576) });
    }
    if (!merged.front && !errors.id_front) errors.id_front = t('form.image.required');
    // Save what was typed even when something is wrong, so nothing is lost.
    const checked = Object.keys(errors).length === 0;
    await ApplicationFlowModel.updateOne(
      { _id: flow._id },
      {
        $set: {
          values,
          images: merged,
          checked,
          lang: ctx.state.lang,
          expiresAt: new Date(Date.now() + settings.flowMinutes * 60_000),
        },
      },
    );
    if (!checked) {
      return showForm(ctx, { ...flow, values, images: merged }, { errors }, 400);
    }
    ctx.status = 303;
    ctx.redirect(`${base(tenant)}/confirm`);
  });

  router.get('/image/:side', async (ctx) => {
    const flow = await currentFlow(ctx, tenantOf(ctx)._id);
    const image = flow?.images?.[ctx.params.side === 'back' ? 'back' : 'front'];
    if (!image) return ctx.throw(404);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = image.contentType;
    ctx.body = imageBytes(image.data);
  });

  // 4. Confirmation and application
  router.get('/confirm', async (ctx) => {
    const tenant = tenantOf(ctx);
    const flow = await currentFlow(ctx, tenant._id);
    if (!flow) return problem(ctx, 'noFlow');
    if (!flow.checked) {
      ctx.status = 303;
      return ctx.redirect(`${base(tenant)}/form`);
    }
    const t = translator(ctx.state.lang);
    const rows = tenantFields(tenant).map((field) => ({
      field,
      label: t(`application.fields.${field.name}`),
      value: displayValue(t, tenant, ctx.state.lang, field, (flow.values as Record<string, string>)[field.name]),
    }));
    render(ctx, 'apply-confirm', {
      base: base(tenant),
      email: flow.email,
      rows,
      groups: GROUPS,
      images: { front: Boolean(flow.images?.front), back: Boolean(flow.images?.back) },
    });
  });

  router.post('/submit', formBody, async (ctx) => {
    const tenant = tenantOf(ctx);
    const flow = await currentFlow(ctx, tenant._id);
    if (!flow) return problem(ctx, 'noFlow');
    if (!csrfValid(ctx) || !flow.checked || !flow.images?.front) {
      ctx.status = 303;
      return ctx.redirect(`${base(tenant)}/confirm`);
    }
    if (await addressInUse(tenant._id, flow.email)) {
      return render(ctx, 'apply-problem', { reason: 'registered', startUrl: tenantLoginUrl(tenant, config.issuer) }, 409);
    }
    const pending = await ApplicationModel.findOne({
      tenantId: tenant._id,
      email: flow.email,
      status: 'pending',
    }).lean<Application>();
    if (pending && pending._id.toString() !== flow.resubmissionOf) {
      return render(ctx, 'apply-problem', { reason: 'pending', startUrl: base(tenant) }, 409);
    }
    // A double click or a second tab must not file the same application twice.
    if (!(await claimOnce(`apply-submit:${flow._id}`, settings.flowMinutes * 60_000))) {
      ctx.status = 303;
      return ctx.redirect(`${base(tenant)}/done`);
    }
    const values = flow.values as Record<string, string>;
    const record = {
      email: flow.email,
      lang: ctx.state.lang,
      type: values.applicationType === 'reapplication' ? ('reapplication' as const) : ('new' as const),
      values,
      images: flow.images,
      status: 'pending' as const,
      submittedAt: new Date(),
    };
    let applicationId: string;
    if (flow.resubmissionOf) {
      applicationId = flow.resubmissionOf;
      await ApplicationModel.updateOne(
        { _id: flow.resubmissionOf, tenantId: tenant._id, status: 'resubmission_requested' },
        { $set: record, $push: { decisions: { action: 'resubmitted', at: new Date() } } },
      );
    } else {
      applicationId = (await ApplicationModel.create({ tenantId: tenant._id, ...record }))._id.toString();
    }
    await ApplicationFlowModel.deleteOne({ _id: flow._id });
    endFlow(ctx, tenant._id);
    await audit(logger, {
      event: 'apply.submitted',
      tenant: tenant._id,
      application: applicationId,
      resubmission: Boolean(flow.resubmissionOf),
    });
    ctx.status = 303;
    ctx.redirect(`${base(tenant)}/done`);
  });

  router.get('/done', (ctx) => render(ctx, 'apply-done'));

  // The link mailed with a resubmission request reopens the form filled in.
  const showResubmit = async (ctx: Context, token: string, applicationId: string, status = 200) => {
    const application = await ApplicationModel.findById(applicationId).lean<Application>();
    const reason = application?.decisions.at(-1)?.reason ?? '';
    render(ctx, 'apply-resubmit', { action: `${base(tenantOf(ctx))}/resubmit/${token}`, reason }, status);
  };

  router.get('/resubmit/:token', async (ctx) => {
    const check = await checkToken(ctx.params.token ?? '', 'resubmit', tenantOf(ctx)._id);
    if (!check.ok) return linkProblem(ctx, check);
    await showResubmit(ctx, ctx.params.token ?? '', check.token.ref ?? '');
  });

  router.post('/resubmit/:token', formBody, async (ctx) => {
    const tenant = tenantOf(ctx);
    const token = ctx.params.token ?? '';
    const check = await checkToken(token, 'resubmit', tenant._id);
    if (!check.ok) return linkProblem(ctx, check);
    if (!csrfValid(ctx)) return showResubmit(ctx, token, check.token.ref ?? '', 403);
    const used = await consumeToken(token, 'resubmit', tenant._id);
    if (!used.ok) return linkProblem(ctx, used);
    const application = await ApplicationModel.findOne({
      _id: used.token.ref,
      tenantId: tenant._id,
      status: 'resubmission_requested',
    }).lean<Application>();
    if (!application) return problem(ctx, 'invalid');
    await startFlow(
      ctx,
      {
        tenantId: tenant._id,
        email: application.email,
        lang: ctx.state.lang,
        values: application.values,
        images: application.images,
        resubmissionOf: application._id.toString(),
      },
      settings.flowMinutes,
    );
    ctx.status = 303;
    ctx.redirect(`${base(tenant)}/form`);
  });

  return router;
}
