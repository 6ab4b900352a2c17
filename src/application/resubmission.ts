import type { Context } from 'koa';
import { type Application, ApplicationModel } from '../db/models/application.ts';
import { seeOther } from '../http/redirect.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import type { PageDeps } from '../page-deps.ts';
import { checkToken, consumeToken } from '../security/one-time-token.ts';
import { base, linkProblem, problem } from './context.ts';
import { startDraft } from './draft-store.ts';

/** The link mailed with a resubmission request: the staff's reason, and the way to reopen the form. */
export function showResubmission(issuer: string) {
  return async function resubmissionRequest(ctx: Context, _extra?: unknown, status = 200): Promise<void> {
    const token = ctx.params.token ?? '';
    const check = await checkToken(token, 'resubmit', tenantOf(ctx)._id);
    if (!check.ok) return linkProblem(ctx, check, issuer);
    const application = await ApplicationModel.findById(check.token.ref ?? '').lean<Application>();
    const reason = application?.decisions.at(-1)?.reason ?? '';
    render(ctx, 'apply-resubmit', { action: `${base(tenantOf(ctx))}/resubmit/${token}`, reason }, status);
  };
}

/** Spends the link and reopens the form filled in with the application as filed. */
export function reopen({ config }: PageDeps) {
  return async function reopenApplication(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    const used = await consumeToken(ctx.params.token ?? '', 'resubmit', tenant._id);
    if (!used.ok) return linkProblem(ctx, used, config.issuer);
    const application = await ApplicationModel.findOne({
      _id: used.token.ref,
      tenantId: tenant._id,
      status: 'resubmission_requested',
    }).lean<Application>();
    if (!application) return problem(ctx, 'invalid');
    const draft = {
      tenantId: tenant._id,
      email: application.email,
      lang: ctx.state.lang,
      values: application.values,
      images: application.images,
      resubmissionOf: application._id.toString(),
      resubmitReason: application.decisions.at(-1)?.reason ?? '',
      // The correction keeps the terms agreed to with the application.
      termsVersion: application.termsVersion ?? 0,
    };
    await startDraft(ctx, draft, config.application.flowMinutes);
    seeOther(ctx, `${base(tenant)}/form`);
  };
}
