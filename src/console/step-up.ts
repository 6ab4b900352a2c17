import type { Context, Middleware, Next } from 'koa';
import { audit } from '../db/audit.ts';
import { claimOnce } from '../db/claim.ts';
import { type Staff, StaffModel, StaffSessionModel } from '../db/models/staff.ts';
import { formField } from '../http/form.ts';
import { seeOther } from '../http/redirect.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { type FieldErrors, message } from '../i18n/index.ts';
import type { PageDeps } from '../page-deps.ts';
import { base, staffGuess } from '../review/context.ts';
import { verifyTotp } from '../review/totp.ts';
import { type FormAgain, typedValues } from '../security/csrf.ts';
import { refusal } from '../security/guesses.ts';

/**
 * Step-up (issue 26 item 9): a console change needs the staff member to have proved who they are
 * within `staff.stepUpMinutes` (15) — at sign-in, or again here with password and code — as GitHub's
 * sudo mode and Keycloak's max_age do: an open, unattended console is not enough to stop an account.
 */
export const recentlyVerified = (ctx: Context): boolean => (ctx.state.staffVerifiedUntil?.getTime() ?? 0) > Date.now();

/** Where a page sends a staff member to prove who they are again, coming back to `path`. */
export const stepUpUrl = (ctx: Context, path = ctx.path) => `${base(ctx)}/confirm?return=${encodeURIComponent(path)}`;

/** Before a console change: with an old proof the page comes back with what was typed and a way to confirm. */
export function requireRecentSignIn(again: FormAgain): Middleware {
  return async (ctx: Context, next: Next) => {
    if (recentlyVerified(ctx)) return next();
    await again(ctx, { values: typedValues(ctx), formError: message('console.stepUp.needed'), errors: {} }, 403);
  };
}

/** Only a page of this university's console is a place to come back to. */
function returnPath(ctx: Context): string {
  const wanted = typeof ctx.query.return === 'string' ? ctx.query.return : formField(ctx, 'return', 500);
  return wanted.startsWith(`${base(ctx)}/`) && !/[\\\s]|\/\/|\.\./.test(wanted) ? wanted : base(ctx);
}

/** GET /t/:tenant/staff/confirm: password and code again. */
export function showConfirm(ctx: Context, extra: Record<string, unknown> = {}, status = 200): void {
  const page = { action: `${base(ctx)}/confirm`, returnTo: returnPath(ctx), staff: ctx.state.staff, base: base(ctx) };
  render(ctx, 'console-confirm', { ...page, values: {}, errors: {}, ...extra }, status);
}

/** POST …/confirm: both proofs, counted as guesses like the sign-in's; then back where the member was. */
export function confirmIdentity({ hasher, logger, guesses }: PageDeps) {
  return async function stepUp(ctx: Context): Promise<void> {
    const staff = ctx.state.staff as Staff;
    const password = formField(ctx, 'password', 128);
    const code = formField(ctx, 'code', 20).trim();
    const errors: FieldErrors = {};
    if (!password) errors.password = message('form.required', { field: message('login.password') });
    if (!code) errors.code = message('form.required', { field: message('staff.code') });
    if (Object.keys(errors).length) return showConfirm(ctx, { errors }, 400);
    const guess = staffGuess(staff.tenantId, staff.email, 'staff.reauth_failed', 'staff-step-up', staff._id.toString());
    const result = await guesses.attempt(ctx, guess, async () => {
      const current = await StaffModel.findById(staff._id).lean<Staff>();
      if (!current || !(await hasher.verify(current.passwordHash, password))) return undefined;
      const step = await verifyTotp(current.totpSecret ?? '', code, current.totpLastStep ?? 0);
      return step !== undefined && (await claimOnce(`totp:${staff._id}:${step}`, 10 * 60_000)) ? step : undefined;
    });
    if (!('ok' in result)) {
      const { formError, status } = refusal(result, message('console.stepUp.failed'));
      return showConfirm(ctx, { formError }, status);
    }
    await StaffModel.updateOne({ _id: staff._id }, { $max: { totpLastStep: result.ok } });
    await StaffSessionModel.updateOne({ _id: ctx.state.staffSessionId }, { $set: { verifiedAt: new Date() } });
    await audit(logger, { event: 'staff.stepped_up', tenant: tenantOf(ctx)._id, staff: staff._id.toString(), ip: ctx.ip });
    seeOther(ctx, returnPath(ctx));
  };
}
