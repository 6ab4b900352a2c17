import type { Context } from 'koa';
import { audit } from '../db/audit.ts';
import { claimOnce } from '../db/claim.ts';
import { addressInUse } from '../db/identities.ts';
import { type Application, ApplicationModel } from '../db/models/application.ts';
import { type ApplicationDraft, ApplicationDraftModel } from '../db/models/application-draft.ts';
import type { Tenant } from '../db/models/tenant.ts';
import { displayValue, GROUPS, tenantFields } from '../http/form-items.ts';
import { seeOther } from '../http/redirect.ts';
import { tenantOf } from '../http/state.ts';
import { tenantLoginUrl } from '../http/tenant.ts';
import { render } from '../http/views.ts';
import { translator } from '../i18n/index.ts';
import type { PageDeps } from '../page-deps.ts';
import { base, problem } from './context.ts';
import { currentDraft, endDraft } from './draft-store.ts';

/** Step 4, the confirmation: every item as it will be filed, and the images. */
export async function showConfirmation(ctx: Context): Promise<void> {
  const tenant = tenantOf(ctx);
  const draft = await currentDraft(ctx, tenant._id);
  if (!draft) return problem(ctx, 'noFlow');
  if (!draft.checked) return seeOther(ctx, `${base(tenant)}/form`);
  const t = translator(ctx.state.lang);
  const values = draft.values as Record<string, string>;
  const rows = tenantFields(tenant).map((field) => ({
    field,
    label: t(`application.fields.${field.name}`),
    value: displayValue(t, tenant, ctx.state.lang, field, values[field.name]),
  }));
  render(ctx, 'apply-confirm', {
    base: base(tenant),
    email: draft.email,
    rows,
    groups: GROUPS,
    images: { front: Boolean(draft.images?.front), back: Boolean(draft.images?.back) },
  });
}

/** A refused or incomplete submission goes back to the confirmation. */
export const backToConfirmation = (ctx: Context) => seeOther(ctx, `${base(tenantOf(ctx))}/confirm`);

/** Files the draft as a new application, or as the resubmission it was opened for; returns its id. */
async function file(ctx: Context, tenant: Tenant, draft: ApplicationDraft): Promise<string> {
  const values = draft.values as Record<string, string>;
  const record = {
    email: draft.email,
    lang: ctx.state.lang,
    type: values.applicationType === 'reapplication' ? ('reapplication' as const) : ('new' as const),
    values,
    images: draft.images,
    termsVersion: draft.termsVersion ?? 0,
    status: 'pending' as const,
    submittedAt: new Date(),
  };
  if (!draft.resubmissionOf) return (await ApplicationModel.create({ tenantId: tenant._id, ...record }))._id.toString();
  await ApplicationModel.updateOne(
    { _id: draft.resubmissionOf, tenantId: tenant._id, status: 'resubmission_requested' },
    { $set: record, $push: { decisions: { action: 'resubmitted', at: new Date() } } },
  );
  return draft.resubmissionOf;
}

/** Application reception: refused when the address got an account or has another application pending. */
export function submit({ config, logger }: PageDeps) {
  return async function fileApplication(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    const draft = await currentDraft(ctx, tenant._id);
    if (!draft) return problem(ctx, 'noFlow');
    if (!draft.checked || !draft.images?.front) return backToConfirmation(ctx);
    if (await addressInUse(tenant._id, draft.email)) {
      return render(ctx, 'apply-problem', { reason: 'registered', startUrl: tenantLoginUrl(tenant, config.issuer) }, 409);
    }
    const pending = await ApplicationModel.findOne({
      tenantId: tenant._id,
      email: draft.email,
      status: 'pending',
    }).lean<Application>();
    if (pending && pending._id.toString() !== draft.resubmissionOf) {
      return render(ctx, 'apply-problem', { reason: 'pending', startUrl: base(tenant) }, 409);
    }
    // A double click or a second tab must not file the same application twice.
    if (!(await claimOnce(`apply-submit:${draft._id}`, config.application.flowMinutes * 60_000))) {
      return seeOther(ctx, `${base(tenant)}/done`);
    }
    const applicationId = await file(ctx, tenant, draft);
    await ApplicationDraftModel.deleteOne({ _id: draft._id });
    endDraft(ctx, tenant._id);
    const resubmission = Boolean(draft.resubmissionOf);
    await audit(logger, { event: 'apply.submitted', tenant: tenant._id, application: applicationId, resubmission });
    seeOther(ctx, `${base(tenant)}/done`);
  };
}
