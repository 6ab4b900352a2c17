import Router from '@koa/router';
import type { Context } from 'koa';
import mongoose from 'mongoose';
import type { Config } from '../config/schema.ts';
import { type Account, AccountModel } from '../db/models/account.ts';
import { APPLICATION_STATUSES, type Application, ApplicationModel, imageBytes } from '../db/models/application.ts';
import { escapeRegex } from '../db/regex.ts';
import { formBody, formField } from '../http/form.ts';
import { displayValue, GROUPS, studentIdFields, tenantFields } from '../http/form-items.ts';
import { staffOf, tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { translator } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import { csrfValid } from '../security/csrf.ts';
import type { SecretHasher } from '../security/secrets.ts';
import { type Action, decide } from './decide.ts';
import { requireStaff } from './staff-session.ts';

/** Graduate accounts of the tenant matching a name (any script), mail address, student ID or birth date. */
function searchAccounts(tenantId: string, query: string) {
  const q = query.trim().slice(0, 100);
  if (!q) return Promise.resolve([] as Account[]);
  const pattern = { $regex: escapeRegex(q).replace(/\s+/, '.*'), $options: 'i' };
  const or: Record<string, unknown>[] = [{ email: pattern }, { 'studentIds.number': q }, { birthdate: q }];
  for (const script of ['kanji', 'kana', 'roman']) {
    or.push({ [`name.${script}.family`]: pattern }, { [`name.${script}.given`]: pattern });
  }
  return AccountModel.find({ tenantId, kind: 'graduate', $or: or }, { passwordHash: 0, secondPasswordHash: 0 })
    .limit(20)
    .lean<Account[]>();
}

/** The university staff console: the queue, one application with its images, and the decision. */
export function staffConsoleRoutes(config: Config, hasher: SecretHasher, logger: Logger): Router {
  const router = new Router();
  const base = (ctx: Context) => `/t/${tenantOf(ctx)._id}/staff`;
  const staffOnly = requireStaff(config);

  router.get('/', staffOnly, async (ctx) => {
    const requested = String(ctx.query.status ?? 'pending');
    const status = APPLICATION_STATUSES.find((s) => s === requested) ?? 'pending';
    const applications = await ApplicationModel.find({ tenantId: tenantOf(ctx)._id, status }, { images: 0 })
      .sort({ submittedAt: 1 })
      .limit(200)
      .lean<Application[]>();
    render(ctx, 'staff-queue', { base: base(ctx), applications, status, statuses: APPLICATION_STATUSES, staff: ctx.state.staff });
  });

  const load = async (ctx: Context) => {
    const id = ctx.params.id ?? '';
    if (!mongoose.isValidObjectId(id)) return ctx.throw(404);
    // Scoped to the staff member's own university: another tenant's application is simply not found.
    const application = await ApplicationModel.findOne({ _id: id, tenantId: tenantOf(ctx)._id }).lean<Application>();
    return application ?? ctx.throw(404);
  };

  const show = async (ctx: Context, application: Application, extra: Record<string, unknown> = {}, status = 200) => {
    const tenant = tenantOf(ctx);
    const t = translator(ctx.state.lang);
    const values = application.values as Record<string, string>;
    const studentId = application.type === 'student-id';
    const rows = (studentId ? studentIdFields(tenant) : tenantFields(tenant)).map((field) => ({
      field,
      label: t(`application.fields.${field.name}`),
      value: displayValue(t, tenant, ctx.state.lang, field, values[field.name]),
    }));
    const query = typeof ctx.query.q === 'string' ? ctx.query.q : '';
    const candidates = application.type === 'reapplication' ? await searchAccounts(tenant._id, query) : [];
    // An additional student ID already held by another account of the university is flagged.
    const holder = studentId ? await AccountModel.findById(application.accountId).lean<Account>() : null;
    const duplicates = studentId
      ? await AccountModel.find(
          { tenantId: tenant._id, 'studentIds.number': values.studentId, _id: { $ne: application.accountId } },
          { email: 1 },
        ).lean<Account[]>()
      : [];
    render(
      ctx,
      'staff-application',
      {
        base: base(ctx),
        application,
        rows,
        groups: GROUPS,
        query,
        candidates,
        holder,
        duplicates,
        images: { front: Boolean(application.images?.front), back: Boolean(application.images?.back) },
        staff: ctx.state.staff,
        errors: {},
        ...extra,
      },
      status,
    );
  };

  router.get('/applications/:id', staffOnly, async (ctx) => show(ctx, await load(ctx)));

  router.get('/applications/:id/image/:side', staffOnly, async (ctx) => {
    const application = await load(ctx);
    const image = application.images?.[ctx.params.side === 'back' ? 'back' : 'front'];
    if (!image) return ctx.throw(404);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = image.contentType;
    ctx.body = imageBytes(image.data);
  });

  router.post('/applications/:id/decide', staffOnly, formBody, async (ctx) => {
    const application = await load(ctx);
    const t = translator(ctx.state.lang);
    if (!csrfValid(ctx)) return show(ctx, application, { formError: t('form.csrf') }, 403);
    const action = formField(ctx, 'action');
    if (!['approve', 'reject', 'resubmit'].includes(action))
      return show(ctx, application, { errors: { action: t('staff.error.action') } }, 400);
    const result = await decide({ config, hasher, logger }, staffOf(ctx), tenantOf(ctx), application._id.toString(), {
      action: action as Action,
      reason: formField(ctx, 'reason', 2000),
      accountId: formField(ctx, 'accountId', 40) || undefined,
    });
    if (!result.ok) {
      const field = result.error === 'reasonRequired' ? 'reason' : result.error === 'accountRequired' ? 'accountId' : 'action';
      return show(
        ctx,
        application,
        { errors: { [field]: t(`staff.error.${result.error}`) } },
        result.error === 'notPending' ? 409 : 400,
      );
    }
    ctx.status = 303;
    ctx.redirect(`${base(ctx)}?decided=${application._id}`);
  });

  return router;
}
