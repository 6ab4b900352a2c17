import type { Context } from 'koa';
import { type Staff, StaffModel } from '../db/models/staff.ts';
import { formField } from '../http/form.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { message } from '../i18n/index.ts';
import { parseMailAddress } from '../mail/address.ts';
import type { PageDeps } from '../page-deps.ts';
import { refusal } from '../security/guesses.ts';
import { base, go, staffGuess } from './context.ts';
import { openStaffSession } from './staff-session.ts';
import { newTotpSecret } from './totp.ts';

/** Staff sign-in, first step: mail address and password. */
export function showSignIn(ctx: Context, extra: Record<string, unknown> = {}, status = 200): void {
  const passkey = { optionsUrl: `${base(ctx)}/passkey/options`, passkeyAction: `${base(ctx)}/passkey` };
  render(ctx, 'staff-login', { action: `${base(ctx)}/login`, ...passkey, values: {}, errors: {}, ...extra }, status);
}

/**
 * No message per field here: an unusable address simply finds no staff member (same work, same
 * answer). Guessing is throttled per staff member and per client; then on to the TOTP code (or to
 * enrolling one, with a QR code shown once, at the first sign-in).
 */
export function checkPassword({ hasher, guesses }: PageDeps) {
  return async function staffPassword(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    const email = formField(ctx, 'email').trim();
    const address = parseMailAddress(email).address ?? '';
    const guess = staffGuess(tenant._id, address, 'staff.login_failed', 'staff-password');
    const result = await guesses.attempt(ctx, guess, async () => {
      const staff = address ? await StaffModel.findOne({ tenantId: tenant._id, email: address }).lean<Staff>() : null;
      const ok = await hasher.verify(staff?.passwordHash, formField(ctx, 'password'));
      return staff && ok && !staff.disabled ? staff : undefined;
    });
    if (!('ok' in result)) {
      const { formError, status } = refusal(result, message('staff.loginFailed'));
      return showSignIn(ctx, { values: { email }, formError }, status);
    }
    const staff = result.ok;
    await openStaffSession(ctx, staff, staff.totpSecret ? undefined : newTotpSecret());
    go(ctx, staff.totpSecret ? '/totp' : '/enrol');
  };
}
