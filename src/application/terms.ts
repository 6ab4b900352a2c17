import type { Context } from 'koa';
import { formField } from '../http/form.ts';
import { seeOther } from '../http/redirect.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { message } from '../i18n/index.ts';
import type { PageDeps } from '../page-deps.ts';
import { checkToken, consumeToken } from '../security/one-time-token.ts';
import { base, linkProblem, problem } from './context.ts';
import { currentDraft, startDraft } from './draft-store.ts';

/** Step 2, the mailed one-time URL: the terms of use. GET only reads the token, so mail scanners cannot spend it. */
export function showTerms(issuer: string) {
  return async function termsOfUse(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
    const tenant = tenantOf(ctx);
    const token = ctx.params.token ?? '';
    const check = await checkToken(token, 'apply', tenant._id);
    if (!check.ok) return linkProblem(ctx, check, issuer);
    const terms = tenant.terms?.[ctx.state.lang] ?? '';
    render(ctx, 'apply-terms', { action: `${base(tenant)}/verify/${token}`, terms, errors: {}, ...extra }, status);
  };
}

/** Agreeing spends the URL and starts the application draft (kept in the database, keyed by a cookie). */
export function acceptTerms({ config }: PageDeps) {
  const again = showTerms(config.issuer);
  return async function agreeToTerms(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    if (formField(ctx, 'agree') !== 'yes') return again(ctx, { errors: { agree: message('apply.mustAgree') } }, 400);
    const used = await consumeToken(ctx.params.token ?? '', 'apply', tenant._id);
    if (!used.ok) return linkProblem(ctx, used, config.issuer);
    const draft = {
      tenantId: tenant._id,
      email: used.token.email,
      lang: ctx.state.lang,
      values: {},
      termsVersion: tenant.termsVersion ?? 0,
    };
    await startDraft(ctx, draft, config.application.flowMinutes);
    seeOther(ctx, `${base(tenant)}/form`);
  };
}

/** "Back" from the form (as in the manual): the terms again, already agreed to, with the way on. */
export async function termsAgain(ctx: Context): Promise<void> {
  const tenant = tenantOf(ctx);
  if (!(await currentDraft(ctx, tenant._id))) return problem(ctx, 'noFlow');
  const terms = tenant.terms?.[ctx.state.lang] ?? '';
  render(ctx, 'apply-terms', { agreed: true, formUrl: `${base(tenant)}/form`, terms, errors: {} });
}
