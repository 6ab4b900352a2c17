import { removeEveryPasskey } from '../credentials/passkeys.ts';
import { passwordProblems } from '../credentials/password-policy.ts';
import { STAFF_PASSWORD_LENGTH } from '../credentials/password-setting.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import { STAFF_ROLES, type Staff, StaffModel, type StaffRole, StaffSessionModel } from '../db/models/staff.ts';
import type { Lang } from '../i18n/index.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { issueToken } from '../security/one-time-token.ts';
import type { SecretHasher } from '../security/secrets.ts';
import { operatorMailAddress } from './address.ts';
import { AddressTaken, OperatorError } from './errors.ts';
import { requireTenant } from './tenants.ts';

/** Roles as an operator lists them (`admin,reviewer`): known ones only, at least one. */
export function parseRoles(list: string): StaffRole[] {
  const roles = [
    ...new Set(
      list
        .split(',')
        .map((role) => role.trim())
        .filter(Boolean),
    ),
  ];
  const unknown = roles.filter((role) => !(STAFF_ROLES as readonly string[]).includes(role));
  if (unknown.length) throw new OperatorError(`unknown role ${unknown.join(', ')}: roles are ${STAFF_ROLES.join(', ')}`);
  if (!roles.length) throw new OperatorError(`give at least one role of ${STAFF_ROLES.join(', ')}`);
  return roles as StaffRole[];
}

/** A university staff member; TOTP is enrolled at their first login. */
export async function createStaff(
  hasher: SecretHasher,
  input: { tenantId: string; email: string; name: string; password: string; roles?: StaffRole[] },
) {
  await requireTenant(input.tenantId);
  const email = operatorMailAddress(input.email);
  if (!input.name.trim()) throw new OperatorError('staff member needs a name');
  if (passwordProblems(input.password).length || input.password.length < STAFF_PASSWORD_LENGTH) {
    throw new OperatorError('staff password needs 12+ half-width letters and digits with upper case, lower case and a digit');
  }
  try {
    const staff = await StaffModel.create({
      tenantId: input.tenantId,
      email,
      name: input.name.trim(),
      passwordHash: await hasher.hash(input.password),
      roles: input.roles ?? ['reviewer'],
    });
    return staff._id.toString();
  } catch (error) {
    if (isDuplicateKey(error)) throw new OperatorError(`staff ${email} already exists in tenant "${input.tenantId}"`);
    throw error;
  }
}

/** Gives a staff member these roles (replacing theirs): how the operator makes a university's first admin. */
export async function setStaffRoles(tenantId: string, email: string, roles: StaffRole[]): Promise<void> {
  await requireTenant(tenantId);
  const { matchedCount } = await StaffModel.updateOne({ tenantId, email: operatorMailAddress(email) }, { $set: { roles } });
  if (!matchedCount) throw new OperatorError(`no staff ${email} in tenant "${tenantId}"`);
}

export function listStaff(tenantId: string) {
  return StaffModel.find({ tenantId }, { passwordHash: 0, totpSecret: 0 }).sort({ email: 1 }).lean();
}

/**
 * A staff member invited by a university admin (the console, issue 26 item 6): no password yet; the
 * mailed one-time link sets it, then TOTP is enrolled as at any first sign-in. A taken address throws AddressTaken.
 */
export async function inviteStaff(input: { tenantId: string; email: string; name: string; roles: StaffRole[] }): Promise<string> {
  try {
    const staff = await StaffModel.create({ ...input, name: input.name.trim(), invitedAt: new Date() });
    return staff._id.toString();
  } catch (error) {
    if (isDuplicateKey(error)) throw new AddressTaken(`staff ${input.email} already exists in tenant "${input.tenantId}"`);
    throw error;
  }
}

/** One staff member of the university, without secrets; null for another university's or none. */
export function findStaffMember(tenantId: string, id: string) {
  return StaffModel.findOne({ tenantId, _id: id }, { passwordHash: 0, totpSecret: 0 }).lean<Staff>();
}

/** Sets an invited member's password, once: false when the member already has one. */
export async function setInvitedPassword(tenantId: string, id: string, passwordHash: string): Promise<boolean> {
  const { modifiedCount } = await StaffModel.updateOne(
    { tenantId, _id: id, passwordHash: { $exists: false } },
    { $set: { passwordHash }, $unset: { invitedAt: 1 } },
  );
  return modifiedCount > 0;
}

/** What an admin changes about another member: roles, or whether they may sign in. */
export async function changeStaff(tenantId: string, id: string, change: { roles?: StaffRole[]; disabled?: boolean }) {
  const { matchedCount } = await StaffModel.updateOne({ tenantId, _id: id }, { $set: change });
  if (change.disabled) await StaffSessionModel.deleteMany({ staffId: id });
  return matchedCount > 0;
}

/**
 * A lost phone or security key: the member's TOTP secret and passkeys go and their sessions end; the
 * next sign-in (password) enrols a new authenticator. Returns how many passkeys were removed.
 */
export async function resetSecondFactor(tenantId: string, id: string): Promise<number | undefined> {
  const { matchedCount } = await StaffModel.updateOne(
    { tenantId, _id: id },
    { $unset: { totpSecret: 1 }, $set: { totpLastStep: 0 } },
  );
  if (!matchedCount) return undefined;
  await StaffSessionModel.deleteMany({ staffId: id });
  return removeEveryPasskey(id);
}

/** Invitations are valid for three days: a new colleague may not read mail at once. */
export const INVITE_HOURS = 72;

/**
 * Mails an invited member the one-time link that sets their password (`/t/<tenant>/staff/invite/…`),
 * in `lang`; only the link's hash is kept. The console's invite, its resend, and the operator's CLI.
 */
export async function sendStaffInvitation(
  issuer: string,
  member: { tenantId: string; id: string; email: string },
  lang: Lang,
): Promise<void> {
  const { tenantId, id, email } = member;
  const token = await issueToken({ purpose: 'staff-invite', tenantId, email, lang, ttlMinutes: INVITE_HOURS * 60, ref: id });
  const url = `${issuer}/t/${tenantId}/staff/invite/${token}`;
  await enqueueMail({ tenantId, to: email, lang, template: 'staffInvite', values: { url, hours: String(INVITE_HOURS) } });
}
