import type { TFunction } from 'i18next';
import type { SecretHasher } from '../security/secrets.ts';
import { passwordProblems } from './password-policy.ts';

export interface NewPasswords {
  password: string;
  passwordConfirm: string;
  secondPassword: string;
  secondPasswordConfirm: string;
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
    const problems = passwordProblems(value).map((problem) => t(`passwordRules.${problem}`));
    return problems.length ? `${label}: ${problems.join(' ')}` : '';
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
