import type { TFunction } from 'i18next';
import type mongoose from 'mongoose';
import { AccountModel } from '../db/models/account.ts';
import type { SecretHasher } from '../security/secrets.ts';
import { passwordProblems } from './password-policy.ts';

export interface NewPasswords {
  password: string;
  passwordConfirm: string;
  secondPassword: string;
  secondPasswordConfirm: string;
}

/**
 * The rules a new secret breaks, as the field shows them: the label, then one rule per line (the
 * field partial lists them; the error summary reads them as one line). Undefined when none.
 */
function brokenRules(t: TFunction, label: string, value: string): string | undefined {
  const problems = passwordProblems(value).map((problem) => t(`passwordRules.${problem}`));
  return problems.length ? [`${label}:`, ...problems].join('\n') : undefined;
}

/**
 * Every broken rule of a new password + second password pair, by field, each named: the rules,
 * the typed-twice check, password ≠ second password, and ≠ the password being replaced.
 */
export async function newPasswordErrors(
  t: TFunction,
  hasher: SecretHasher,
  input: NewPasswords,
  currentPasswordHash: string | null | undefined,
): Promise<Record<string, string>> {
  const errors: Record<string, string> = {};
  const check = (field: 'password' | 'secondPassword', label: string) => {
    const value = input[field];
    if (!value) return t('form.required', { field: label });
    return brokenRules(t, label, value) ?? '';
  };
  const password = check('password', t('passwords.password'));
  const second = check('secondPassword', t('passwords.secondPassword'));
  if (password) errors.password = password;
  if (second) errors.secondPassword = second;
  if (!password && input.password !== input.passwordConfirm)
    errors.passwordConfirm = t('passwordRules.confirm', { field: t('passwords.password') });
  if (!second && input.secondPassword !== input.secondPasswordConfirm) {
    errors.secondPasswordConfirm = t('passwordRules.confirm', { field: t('passwords.secondPassword') });
  }
  if (!second && input.password === input.secondPassword) errors.secondPassword = t('passwordRules.sameAsPassword');
  if (!password && (await hasher.verify(currentPasswordHash, input.password))) errors.password = t('passwordRules.sameAsOld');
  return errors;
}

export type Secret = 'password' | 'secondPassword';

/**
 * Changing one secret: the current one must be right, the new one must follow the rules, be typed
 * twice, differ from the current one and from the other secret (password ≠ second password).
 */
export async function changeSecretErrors(
  t: TFunction,
  hasher: SecretHasher,
  which: Secret,
  input: { current: string; next: string; confirm: string },
  hashes: { current: string | null | undefined; other: string | null | undefined },
): Promise<Record<string, string>> {
  const label = t(`passwords.${which}`);
  const errors: Record<string, string> = {};
  if (!input.current) errors.current = t('form.required', { field: t(`account.current.${which}`) });
  else if (!(await hasher.verify(hashes.current, input.current))) errors.current = t('account.currentWrong', { field: label });
  const broken = brokenRules(t, label, input.next);
  if (!input.next) errors.next = t('form.required', { field: t(`account.new.${which}`) });
  else if (broken) errors.next = broken;
  else if (input.next !== input.confirm) errors.confirm = t('passwordRules.confirm', { field: label });
  else if (input.next === input.current) errors.next = t('account.sameAsCurrent', { field: label });
  else if (await hasher.verify(hashes.other, input.next)) errors.next = t('passwordRules.sameAsPassword');
  return errors;
}

/** A student's new second password (S3): the rules, typed twice. */
export function newSecondPasswordErrors(
  t: TFunction,
  input: { secondPassword: string; secondPasswordConfirm: string },
): Record<string, string> {
  const label = t('passwords.secondPassword');
  if (!input.secondPassword) return { secondPassword: t('form.required', { field: label }) };
  const broken = brokenRules(t, label, input.secondPassword);
  if (broken) return { secondPassword: broken };
  if (input.secondPassword !== input.secondPasswordConfirm)
    return { secondPasswordConfirm: t('passwordRules.confirm', { field: label }) };
  return {};
}

/** Stores a new second password (a student's setting, reset or change). */
export async function setSecondPassword(hasher: SecretHasher, accountId: mongoose.Types.ObjectId | string, value: string) {
  await AccountModel.updateOne({ _id: accountId }, { $set: { secondPasswordHash: await hasher.hash(value) } });
}

/** Replaces both secrets of a graduate (first login, reset) and ends the initial-password state. */
export async function setGraduatePasswords(hasher: SecretHasher, accountId: string, password: string, secondPassword: string) {
  const [passwordHash, secondPasswordHash] = await Promise.all([hasher.hash(password), hasher.hash(secondPassword)]);
  await AccountModel.updateOne(
    { _id: accountId },
    { $set: { passwordHash, secondPasswordHash, mustSetPasswords: false }, $unset: { initialPasswordExpiresAt: 1 } },
  );
}
