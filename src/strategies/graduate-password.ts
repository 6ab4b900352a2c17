import { findByAddress } from '../db/account-address.ts';
import { rememberAccount } from '../db/account-cache.ts';
import { type Account, AccountModel } from '../db/models/account.ts';
import type { SecretHasher } from '../security/secrets.ts';

export interface GraduateCredentials {
  /** Already read by src/mail/address.ts. */
  email: string;
  password: string;
  secondPassword: string;
}

export interface GraduateLogin {
  account: Account;
  /** Logged in with the initial password: both passwords must be set before the login completes. */
  mustSetPasswords: boolean;
}

/**
 * Mail address + password + second password, or, on the first login, the initial password with
 * the second password left empty (as the manual says). Two hashes are always verified, in parallel,
 * and an unknown address verifies against a dummy: neither the answer nor its timing tells which
 * part was wrong or whether the address exists. An expired initial password is simply wrong.
 */
export async function authenticateGraduate(
  hasher: SecretHasher,
  tenantId: string,
  credentials: GraduateCredentials,
  now = new Date(),
): Promise<GraduateLogin | undefined> {
  const account = await findByAddress(tenantId, credentials.email, { kind: 'graduate' });
  const initial = Boolean(account?.mustSetPasswords);
  const [password, secondPassword] = await Promise.all([
    hasher.verify(account?.passwordHash, credentials.password),
    initial
      ? hasher.verify(undefined, credentials.secondPassword).then(() => credentials.secondPassword === '')
      : hasher.verify(account?.secondPasswordHash, credentials.secondPassword),
  ]);
  if (!account || !password || !secondPassword) return undefined;
  if (initial && !(account.initialPasswordExpiresAt && account.initialPasswordExpiresAt > now)) return undefined;
  return { account, mustSetPasswords: initial };
}

/**
 * Keeps the time of the login before this one, which relying parties show as "previous login", and
 * the account as it now is for the code exchange that follows (src/db/account-cache.ts).
 */
export async function recordLogin(account: Account, now = new Date()): Promise<void> {
  const times = { lastLoginAt: now, ...(account.lastLoginAt ? { previousLoginAt: account.lastLoginAt } : {}) };
  await AccountModel.updateOne({ _id: account._id }, { $set: times });
  rememberAccount({ ...account, ...times });
}

/** Replaces both secrets (first login, reset) and ends the initial-password state. */
export async function setGraduatePasswords(hasher: SecretHasher, accountId: string, password: string, secondPassword: string) {
  const [passwordHash, secondPasswordHash] = await Promise.all([hasher.hash(password), hasher.hash(secondPassword)]);
  await AccountModel.updateOne(
    { _id: accountId },
    { $set: { passwordHash, secondPasswordHash, mustSetPasswords: false }, $unset: { initialPasswordExpiresAt: 1 } },
  );
}
