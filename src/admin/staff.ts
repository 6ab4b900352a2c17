import { passwordProblems } from '../credentials/password-policy.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import { STAFF_ROLES, StaffModel, type StaffRole } from '../db/models/staff.ts';
import type { SecretHasher } from '../security/secrets.ts';
import { operatorMailAddress } from './address.ts';
import { OperatorError } from './errors.ts';
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
  if (passwordProblems(input.password).length || input.password.length < 12) {
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
