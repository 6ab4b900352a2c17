import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Context, Next } from 'koa';
import {
  addPasskey,
  authenticationOptions,
  credentialJson,
  hasPasskey,
  listPasskeys,
  type PasskeyHolder,
  passkeyRows,
  registrationOptions,
  removePasskey,
  verifyPasskey,
  webAuthnSite,
} from '../credentials/passkeys.ts';
import { audit } from '../db/audit.ts';
import { type Staff, StaffModel } from '../db/models/staff.ts';
import { formField } from '../http/form.ts';
import { staffOf, tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { type FieldErrors, message } from '../i18n/index.ts';
import type { PageDeps } from '../page-deps.ts';
import { refusal } from '../security/guesses.ts';
import { base, go, staffGuess } from './context.ts';
import { showSignIn } from './sign-in.ts';
import { activateStaffSession, openStaffSession } from './staff-session.ts';

/** The review console's passkeys: signing in with one replaces the password and the TOTP code. */
const STAFF_CEREMONY = 'staff';

const staffHolder = (staff: Staff): PasskeyHolder => ({
  owner: 'staff',
  id: staff._id.toString(),
  tenantId: staff.tenantId,
  userName: staff.email,
  displayName: staff.name,
  discoverable: true,
});

/** The staff member's passkeys, and the way to add one (after the password again). */
export async function showStaffPasskeys(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const passkeys = await passkeyRows(staffOf(ctx)._id.toString(), ctx.state.lang);
  const required = tenantOf(ctx).staffPasskeys === 'required' && passkeys.length === 0;
  const page = {
    base: base(ctx),
    passkeys,
    staffPage: true,
    staff: staffOf(ctx),
    notice: required ? 'passkey.staffRequired' : undefined,
  };
  render(ctx, 'account-passkeys', { ...page, errors: {}, ...extra }, status);
}

/** Adding one asks for the password again (an open console must not be enough). */
export function confirmStaff({ config, hasher, guesses }: PageDeps) {
  const site = webAuthnSite(config.issuer);
  return async function reauthenticateStaff(ctx: Context): Promise<void> {
    const staff = staffOf(ctx);
    const password = formField(ctx, 'password', 128);
    if (!password) {
      const errors: FieldErrors = { password: message('form.required', { field: message('login.password') }) };
      return showStaffPasskeys(ctx, { errors }, 400);
    }
    const guess = staffGuess(staff.tenantId, staff.email, 'staff.reauth_failed', 'staff-password', staff._id.toString());
    const result = await guesses.attempt(ctx, guess, async () => {
      const current = await StaffModel.findById(staff._id).lean<Staff>();
      return (await hasher.verify(current?.passwordHash, password)) ? true : undefined;
    });
    if (!('ok' in result)) {
      const { formError, status } = refusal(result, message('staff.loginFailed'));
      return showStaffPasskeys(ctx, { formError }, status);
    }
    const options = await registrationOptions(site, staffHolder(staff), tenantOf(ctx).name?.[ctx.state.lang] ?? staff.tenantId);
    const page = { titleKey: 'passkey.confirmTitle', introKey: 'passkey.staffIntro', back: `${base(ctx)}/passkeys` };
    render(ctx, 'passkey-register', { ...page, options: JSON.stringify(options), action: `${base(ctx)}/passkeys/add` });
  };
}

export function saveStaffPasskey({ config, logger }: PageDeps) {
  const site = webAuthnSite(config.issuer);
  return async function registerStaffPasskey(ctx: Context): Promise<void> {
    const staff = staffOf(ctx);
    const response = credentialJson<RegistrationResponseJSON>(formField(ctx, 'response', 20_000));
    const added = response && (await addPasskey(site, staffHolder(staff), response, formField(ctx, 'name', 60)));
    const who = { tenant: staff.tenantId, staff: staff._id.toString(), ip: ctx.ip };
    await audit(logger, { event: added ? 'staff.passkey_added' : 'staff.passkey_add_failed', ...who });
    if (!added) return showStaffPasskeys(ctx, { formError: message('passkey.registerFailed') }, 400);
    await showStaffPasskeys(ctx, { notice: 'passkey.added' });
  };
}

export function deleteStaffPasskey({ logger }: PageDeps) {
  return async function removeStaffPasskey(ctx: Context): Promise<void> {
    const staff = staffOf(ctx);
    const id = staff._id.toString();
    if (tenantOf(ctx).staffPasskeys === 'required' && (await listPasskeys(id)).length <= 1) {
      return showStaffPasskeys(ctx, { formError: message('passkey.lastRequired') }, 409);
    }
    if (formField(ctx, 'confirmed') !== 'yes') return showStaffPasskeys(ctx, { confirmRemove: ctx.params.id });
    if (!(await removePasskey(id, ctx.params.id ?? ''))) return ctx.throw(404);
    await audit(logger, { event: 'staff.passkey_removed', tenant: staff.tenantId, staff: id, ip: ctx.ip });
    await showStaffPasskeys(ctx, { notice: 'passkey.removed' });
  };
}

/** GET /t/:tenant/staff/passkey/options: a fresh challenge for the sign-in page. */
export function staffPasskeyOptions({ config }: PageDeps) {
  const site = webAuthnSite(config.issuer);
  return async function signInOptions(ctx: Context): Promise<void> {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await authenticationOptions(site, { tenantId: tenantOf(ctx)._id, interaction: STAFF_CEREMONY });
  };
}

/** POST /t/:tenant/staff/passkey: a staff passkey opens the console at once (it is both factors). */
export function staffPasskeySignIn({ config, logger, guesses }: PageDeps) {
  const site = webAuthnSite(config.issuer);
  return async function signInWithPasskey(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    const response = credentialJson<AuthenticationResponseJSON>(formField(ctx, 'response', 20_000));
    const bound = { tenantId: tenant._id, interaction: STAFF_CEREMONY, owner: 'staff' as const };
    const key = `staff-passkey:${tenant._id}:${String(response?.id ?? '').slice(0, 200)}`;
    const guess = { event: 'staff.login_failed', tenantId: tenant._id, method: 'passkey', key };
    const result = await guesses.attempt(ctx, guess, async () => {
      const proven = response && (await verifyPasskey(site, response, bound, logger));
      if (proven?.suspended) return 'suspended' as const;
      const staff = proven ? await StaffModel.findOne({ _id: proven.accountId, tenantId: tenant._id }).lean<Staff>() : null;
      return staff && !staff.disabled ? staff : undefined;
    });
    if (!('ok' in result)) {
      const { formError, status } = refusal(result, message('passkey.failed'));
      return showSignIn(ctx, { formError }, status);
    }
    if (result.ok === 'suspended') return showSignIn(ctx, { formError: message('passkey.suspendedStaff') }, 403);
    const staff = result.ok;
    await activateStaffSession(await openStaffSession(ctx, staff), config);
    await audit(logger, { event: 'staff.login', tenant: tenant._id, staff: staff._id.toString(), method: 'passkey', ip: ctx.ip });
    go(ctx, '');
  };
}

/** Where the university requires staff passkeys, the console waits (on its passkeys page) until the staff member has one. */
export async function passkeyGate(ctx: Context, next: Next): Promise<void> {
  if (tenantOf(ctx).staffPasskeys === 'required' && !(await hasPasskey(staffOf(ctx)._id.toString()))) return go(ctx, '/passkeys');
  await next();
}
