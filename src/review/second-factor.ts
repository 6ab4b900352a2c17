import type { Context } from 'koa';
import { audit } from '../db/audit.ts';
import { claimOnce } from '../db/claim.ts';
import { StaffModel, StaffSessionModel } from '../db/models/staff.ts';
import { formField } from '../http/form.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { message } from '../i18n/index.ts';
import type { PageDeps } from '../page-deps.ts';
import { refusal } from '../security/guesses.ts';
import { base, go, staffGuess } from './context.ts';
import { showSignIn } from './sign-in.ts';
import { activateStaffSession, closeStaffSession, readStaffSession } from './staff-session.ts';
import { totpQrCode, verifyTotp } from './totp.ts';

const MAX_CODE_ATTEMPTS = 5;

/** The TOTP code page, or, at the first sign-in, enrolment with the QR code. */
export async function showCode(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const tenant = tenantOf(ctx);
  const found = await readStaffSession(ctx, tenant._id);
  if (found?.session.stage !== 'pending') return go(ctx, '/login');
  const enrol = found.session.enrolSecret;
  const qr = enrol ? await totpQrCode(`${tenant.name?.en ?? tenant._id} staff`, found.staff.email, enrol) : undefined;
  const page = { action: `${base(ctx)}${enrol ? '/enrol' : '/totp'}`, qr, secret: enrol, errors: {} };
  render(ctx, enrol ? 'staff-enrol' : 'staff-totp', { ...page, ...extra }, status);
}

/**
 * A code is used once (racing requests with the same code are told apart by a claim); wrong codes
 * count against the staff member, so new sign-ins do not buy fresh tries, and end the sign-in after five.
 */
export function checkCode({ config, logger, guesses }: PageDeps) {
  return async function staffCode(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    const found = await readStaffSession(ctx, tenant._id);
    if (found?.session.stage !== 'pending') return go(ctx, '/login');
    const { session, staff } = found;
    const guess = staffGuess(tenant._id, staff.email, 'staff.totp_failed', 'staff-totp', staff._id.toString());
    const result = await guesses.attempt(ctx, guess, async () => {
      const secret = session.enrolSecret ?? staff.totpSecret ?? '';
      const step = await verifyTotp(secret, formField(ctx, 'code').trim(), staff.totpLastStep ?? 0);
      const recorded = step !== undefined && (await claimOnce(`totp:${staff._id}:${step}`, 10 * 60_000));
      return recorded ? step : undefined;
    });
    const who = { tenant: tenant._id, staff: staff._id.toString(), ip: ctx.ip };
    if ('wait' in result) {
      const { formError, status } = refusal(result, message('staff.codeFailed'));
      return showCode(ctx, { formError }, status);
    }
    if ('refused' in result) {
      const attempts = (session.attempts ?? 0) + 1;
      if (attempts >= MAX_CODE_ATTEMPTS) {
        await closeStaffSession(ctx, tenant._id);
        return showSignIn(ctx, { formError: message('staff.tooManyCodes') }, 401);
      }
      await StaffSessionModel.updateOne({ _id: session._id }, { $set: { attempts } });
      return showCode(ctx, { errors: { code: message('staff.codeFailed') } }, 401);
    }
    const step = result.ok;
    const enrolled = session.enrolSecret ? { $set: { totpSecret: session.enrolSecret } } : {};
    await StaffModel.updateOne({ _id: staff._id }, { $max: { totpLastStep: step }, ...enrolled });
    await activateStaffSession(session, config);
    await audit(logger, { event: session.enrolSecret ? 'staff.totp_enrolled' : 'staff.login', ...who });
    go(ctx, '');
  };
}

export async function signOut(ctx: Context): Promise<void> {
  await closeStaffSession(ctx, tenantOf(ctx)._id);
  go(ctx, '/login');
}
