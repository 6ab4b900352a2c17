import { passwordProblems } from '../credentials/password-policy.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import { createAccount, listAccounts as listAccountsOf, STUDENT_ID_STATUSES } from '../db/identities.ts';
import type { SecretHasher } from '../security/secrets.ts';
import { type NameKind, nameFits } from '../text/names.ts';
import { operatorMailAddress } from './address.ts';
import { AddressTaken, OperatorError } from './errors.ts';
import { requireTenant } from './tenants.ts';

type Name = { family: string; given: string };
export interface StudentIdInput {
  number: string;
  university?: string;
  department?: string;
  subject?: string;
  graduation?: string;
  status?: (typeof STUDENT_ID_STATUSES)[number];
}

/** Either both chosen passwords, or an initial password that the first login must replace. */
export type GraduateSecrets = { password: string; secondPassword: string } | { initialPassword: string; validDays: number };

export type GraduateInput = GraduateSecrets & {
  tenantId: string;
  email: string;
  name: { kanji: Name; kana?: Name; roman?: Name };
  birthdate?: string;
  sex?: '' | 'male' | 'female' | 'other';
  contact?: Partial<Record<'postalCode' | 'prefecture' | 'city' | 'street' | 'building' | 'phone' | 'mobile', string>>;
  locale?: 'ja' | 'en';
  studentIds: StudentIdInput[];
};

/**
 * "family given": the manuals put one space between family and given name. With `kind`, the name
 * must be written in that field's scripts too (requirement X3.4, src/text/names.ts).
 */
export function parseName(value: string, label: string, kind?: NameKind): Name {
  const parts = value.trim().split(/[\s\u3000]+/);
  if (parts.length !== 2) throw new OperatorError(`${label} must be "family given", separated by one space`);
  if (kind && !nameFits(kind, parts.join(' '))) throw new OperatorError(`${label} holds characters a ${kind} name does not take`);
  return { family: parts[0] as string, given: parts[1] as string };
}

/** "NUMBER[:university[:department[:subject[:YYYY-MM[:status]]]]]" */
export function parseStudentId(value: string): StudentIdInput {
  const [number = '', university, department, subject, graduation, status] = value.split(':');
  if (!/^[A-Za-z0-9-]{1,32}$/.test(number)) throw new OperatorError(`student ID "${number}" must be 1-32 letters or digits`);
  if (graduation && !/^\d{4}-(0[1-9]|1[0-2])$/.test(graduation))
    throw new OperatorError(`graduation "${graduation}" must be YYYY-MM`);
  if (status && !(STUDENT_ID_STATUSES as readonly string[]).includes(status)) {
    throw new OperatorError(`status must be one of ${STUDENT_ID_STATUSES.join(', ')}`);
  }
  return { number, university, department, subject, graduation, status: status as StudentIdInput['status'] };
}

function checkPassword(label: string, value: string): void {
  const problems = passwordProblems(value);
  if (problems.length) {
    throw new OperatorError(
      `${label} breaks the password rules (${problems.join(', ')}): 8+ half-width letters and digits with upper case, lower case and a digit, not a commonly used or breached password`,
    );
  }
}

/** The stored form of a graduate's secrets: both hashes, or an expiring initial password. */
export async function hashGraduateSecrets(hasher: SecretHasher, secrets: GraduateSecrets) {
  if ('initialPassword' in secrets) {
    return {
      passwordHash: await hasher.hash(secrets.initialPassword),
      secondPasswordHash: null,
      mustSetPasswords: true,
      initialPasswordExpiresAt: new Date(Date.now() + secrets.validDays * 86_400_000),
    };
  }
  checkPassword('password', secrets.password);
  checkPassword('second password', secrets.secondPassword);
  if (secrets.password === secrets.secondPassword) throw new OperatorError('password and second password must differ');
  const [passwordHash, secondPasswordHash] = await Promise.all([
    hasher.hash(secrets.password),
    hasher.hash(secrets.secondPassword),
  ]);
  return { passwordHash, secondPasswordHash, mustSetPasswords: false, initialPasswordExpiresAt: null };
}

/** A graduate account, from an operator import or an approved application. */
export async function createGraduate(hasher: SecretHasher, input: GraduateInput): Promise<string> {
  await requireTenant(input.tenantId);
  const email = operatorMailAddress(input.email);
  if (input.birthdate && !/^\d{4}-\d{2}-\d{2}$/.test(input.birthdate)) throw new OperatorError('birth date must be YYYY-MM-DD');
  const secrets = await hashGraduateSecrets(hasher, input);
  try {
    const account = await createAccount({
      tenantId: input.tenantId,
      kind: 'graduate',
      email,
      emailVerified: true,
      name: input.name,
      birthdate: input.birthdate ?? '',
      sex: input.sex ?? '',
      contact: input.contact ?? {},
      locale: input.locale ?? 'ja',
      ...secrets,
      studentIds: input.studentIds,
    });
    return account._id.toString();
  } catch (error) {
    if (isDuplicateKey(error)) throw new AddressTaken(`an account with ${email} already exists in tenant "${input.tenantId}"`);
    throw error;
  }
}

export function listAccounts(tenantId: string) {
  return listAccountsOf(tenantId);
}
