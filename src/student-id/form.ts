import type { Context } from 'koa';
import { audit } from '../db/audit.ts';
import { findAccount } from '../db/identities.ts';
import { ApplicationModel } from '../db/models/application.ts';
import { formField } from '../http/form.ts';
import { displayValue, studentIdFields, validateFields } from '../http/form-items.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { translator } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import { checkToken, consumeToken, type LinkProblem, showLinkProblem } from '../security/one-time-token.ts';
import { base } from './request.ts';

const problem = (ctx: Context, reason: LinkProblem) => showLinkProblem(ctx, reason, base(ctx));

/** The form (or its confirmation, `view`) of the mailed URL, with the items as typed. */
function show(ctx: Context, view: string, values: Record<string, string>, extra: Record<string, unknown> = {}, status = 200) {
  const tenant = tenantOf(ctx);
  const fields = studentIdFields(tenant);
  const t = translator(ctx.state.lang);
  const rows = fields.map((field) => ({
    field,
    label: t(`application.fields.${field.name}`),
    value: displayValue(t, tenant, ctx.state.lang, field, values[field.name]),
  }));
  const page = {
    action: `${base(ctx)}/form/${ctx.params.token ?? ''}`,
    back: `/t/${tenant._id}/account`,
    fields,
    rows,
    values,
    catalogue: tenant.catalogue ?? [],
    errors: {},
  };
  render(ctx, view, { ...page, ...extra }, status);
}

/** Opening the mailed URL shows the form; the URL is spent only by the application. */
export async function showForm(ctx: Context, extra: { values?: Record<string, string> } = {}, status = 200): Promise<void> {
  const check = await checkToken(ctx.params.token ?? '', 'student-id', tenantOf(ctx)._id);
  if (!check.ok) return problem(ctx, check.reason);
  show(ctx, 'student-id-form', extra.values ?? {}, extra, status);
}

/** Check → confirmation (or Back to the form) → Application, which staff decide (src/review/decide.ts). */
export function apply(logger: Logger) {
  return async function applyForStudentId(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    const token = ctx.params.token ?? '';
    const check = await checkToken(token, 'student-id', tenant._id);
    if (!check.ok) return problem(ctx, check.reason);
    const { values, errors } = validateFields(tenant, (name) => formField(ctx, name, 200), studentIdFields(tenant));
    if (Object.keys(errors).length) return show(ctx, 'student-id-form', values, { errors }, 400);
    if (formField(ctx, 'back') === 'yes') return show(ctx, 'student-id-form', values);
    if (formField(ctx, 'confirmed') !== 'yes') return show(ctx, 'student-id-confirm', values);
    const account = await findAccount(check.token.ref ?? '', { tenantId: tenant._id });
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
    const fields = { tenant: tenant._id, account: account._id.toString(), application: application._id.toString() };
    await audit(logger, { event: 'student_id.applied', ...fields });
    render(ctx, 'account-done', { titleKey: 'studentId.acceptedTitle', messageKey: 'studentId.accepted' });
  };
}
