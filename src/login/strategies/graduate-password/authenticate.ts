import type { Account } from '../../../db/identities.ts';
import { findByAddress } from '../../../db/identities.ts';
import type { SecretHasher } from '../../../security/secrets.ts';

export interface GraduateCredentials {
  /** Already read by src/mail/address.ts. */
  email: string;
  password: string;
  secondPassword: string;
}

/**
 * Mail address + password + second password, or, on the first login, the initial password with
 * the second password left empty (as the manual says). Two hashes are always verified, in parallel,
 * and an unknown address verifies against a dummy: neither the answer nor its timing tells which
 * part was wrong or whether the address exists. An expired initial password is simply wrong; a
 * right one leaves `mustSetPasswords` on the account (required-actions/set-passwords.ts).
 */
export async function authenticateGraduate(
  hasher: SecretHasher,
  tenantId: string,
  credentials: GraduateCredentials,
  now = new Date(),
): Promise<Account | undefined> {
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
  return account;
}
