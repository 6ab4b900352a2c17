import type { Context } from 'koa';
import { audit } from '../db/audit.ts';
import { claimOnce } from '../db/claim.ts';
import { addressInUse } from '../db/identities.ts';
import { type Application, ApplicationModel } from '../db/models/application.ts';
import { type ApplicationFlow, ApplicationFlowModel } from '../db/models/application-flow.ts';
import type { Tenant } from '../db/models/tenant.ts';
import { displayValue, GROUPS, tenantFields } from '../http/form-items.ts';
import { seeOther } from '../http/redirect.ts';
import { tenantOf } from '../http/state.ts';
import { tenantLoginUrl } from '../http/tenant.ts';
import { render } from '../http/views.ts';
import { translator } from '../i18n/index.ts';
import { type ApplicationDeps, base, problem } from './context.ts';
import { currentFlow, endFlow } from './flow-store.ts';

/** Step 4, the confirmation: every item as it will be filed, and the images. */
export async function showConfirmation(ctx: Context): Promise<void> {
  const tenant = tenantOf(ctx);
  const flow = await currentFlow(ctx, tenant._id);
  if (!flow) return problem(ctx, 'noFlow');
  if (!flow.checked) return seeOther(ctx, `${base(tenant)}/form`);
  const t = translator(ctx.state.lang);
  const values = flow.values as Record<string, string>;
  const rows = tenantFields(tenant).map((field) => ({
    field,
    label: t(`application.fields.${field.name}`),
    value: displayValue(t, tenant, ctx.state.lang, field, values[field.name]),
  }));
  render(ctx, 'apply-confirm', {
    base: base(tenant),
    email: flow.email,
    rows,
    groups: GROUPS,
    images: { front: Boolean(flow.images?.front), back: Boolean(flow.images?.back) },
  });
}

/** A refused or incomplete submission goes back to the confirmation. */
export const backToConfirmation = (ctx: Context) => seeOther(ctx, `${base(tenantOf(ctx))}/confirm`);

/** Files the flow as a new application, or as the resubmission it was opened for; returns its id. */
async function file(ctx: Context, tenant: Tenant, flow: ApplicationFlow): Promise<string> {
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
  if (!flow.resubmissionOf) return (await ApplicationModel.create({ tenantId: tenant._id, ...record }))._id.toString();
  await ApplicationModel.updateOne(
    { _id: flow.resubmissionOf, tenantId: tenant._id, status: 'resubmission_requested' },
    { $set: record, $push: { decisions: { action: 'resubmitted', at: new Date() } } },
  );
  return flow.resubmissionOf;
}

/** Application reception: refused when the address got an account or has another application pending. */
export function submit({ config, logger }: ApplicationDeps) {
  return async function fileApplication(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    const flow = await currentFlow(ctx, tenant._id);
    if (!flow) return problem(ctx, 'noFlow');
    if (!flow.checked || !flow.images?.front) return backToConfirmation(ctx);
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
    if (!(await claimOnce(`apply-submit:${flow._id}`, config.application.flowMinutes * 60_000))) {
      return seeOther(ctx, `${base(tenant)}/done`);
    }
    const applicationId = await file(ctx, tenant, flow);
    await ApplicationFlowModel.deleteOne({ _id: flow._id });
    endFlow(ctx, tenant._id);
    const resubmission = Boolean(flow.resubmissionOf);
    await audit(logger, { event: 'apply.submitted', tenant: tenant._id, application: applicationId, resubmission });
    seeOther(ctx, `${base(tenant)}/done`);
  };
}
