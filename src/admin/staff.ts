import { passwordProblems } from '../credentials/password-policy.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import { StaffModel } from '../db/models/staff.ts';
import type { SecretHasher } from '../security/secrets.ts';
import { operatorMailAddress } from './address.ts';
import { OperatorError } from './errors.ts';
import { requireTenant } from './tenants.ts';

/** A university staff member; TOTP is enrolled at their first login. */
export async function createStaff(
  hasher: SecretHasher,
  input: { tenantId: string; email: string; name: string; password: string },
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
    });
    return staff._id.toString();
  } catch (error) {
    if (isDuplicateKey(error)) throw new OperatorError(`staff ${email} already exists in tenant "${input.tenantId}"`);
    throw error;
  }
}

export function listStaff(tenantId: string) {
  return StaffModel.find({ tenantId }, { passwordHash: 0, totpSecret: 0 }).sort({ email: 1 }).lean();
}
