import { type Account, AccountModel, normalizeEmail } from '../db/models/account.ts';
import type { SecretHasher } from '../security/secrets.ts';

export interface GraduateCredentials {
  email: string;
  password: string;
  secondPassword: string;
}

/**
 * Mail address + password + second password. Both secrets are always verified, in parallel, and an
 * unknown address verifies against a dummy hash: neither the answer nor its timing tells which part
 * was wrong or whether the address exists.
 */
export async function authenticateGraduate(
  hasher: SecretHasher,
  tenantId: string,
  credentials: GraduateCredentials,
): Promise<Account | undefined> {
  const account = await AccountModel.findOne({
    tenantId,
    kind: 'graduate',
    email: normalizeEmail(credentials.email),
  }).lean<Account>();
  const [password, secondPassword] = await Promise.all([
    hasher.verify(account?.passwordHash, credentials.password),
    hasher.verify(account?.secondPasswordHash, credentials.secondPassword),
  ]);
  return account && password && secondPassword ? account : undefined;
}

/** Keeps the time of the login before this one, which relying parties show as "previous login". */
export async function recordLogin(account: Account, now = new Date()): Promise<void> {
  await AccountModel.updateOne(
    { _id: account._id },
    { $set: { lastLoginAt: now, ...(account.lastLoginAt ? { previousLoginAt: account.lastLoginAt } : {}) } },
  );
}
