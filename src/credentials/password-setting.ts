import type mongoose from 'mongoose';
import { updateAccount } from '../db/identities.ts';
import { type FieldErrors, type Message, message } from '../i18n/index.ts';
import type { SecretHasher } from '../security/secrets.ts';
import { knownBreached } from './breach-range.ts';
import { MIN_LENGTH, type PasswordContext, passwordProblems } from './password-policy.ts';

export interface NewPasswords {
  password: string;
  passwordConfirm: string;
  secondPassword: string;
  secondPasswordConfirm: string;
}

const required = (labelKey: string) => message('form.required', { field: message(labelKey) });

/**
 * The rules a new secret breaks, as the field shows them: the label, then one rule per line (the
 * field partial lists them; the error summary reads them as one line). Undefined when none.
 */
async function brokenRules(labelKey: string, value: string, who: PasswordContext = {}): Promise<Message | undefined> {
  const found = passwordProblems(value, who);
  // The on-line range (when configured) is asked only about a password that passes every other rule.
  if (found.length === 0 && (await knownBreached(value))) found.push('common');
  const min = Math.max(MIN_LENGTH, who.minLength ?? MIN_LENGTH);
  const problems = found.map((problem) => message(`passwordRules.${problem}`, { min }));
  return problems.length ? message('passwordRules.heading', { field: message(labelKey) }, problems) : undefined;
}

/**
 * Every broken rule of a new password + second password pair, by field, each named: the rules
 * (with `who`: the account's address, whose local part neither may be, and the university's minimum
 * length), the typed-twice check,
 * password ≠ second password, and ≠ the password being replaced.
 */
export async function newPasswordErrors(
  hasher: SecretHasher,
  input: NewPasswords,
  currentPasswordHash: string | null | undefined,
  who: PasswordContext = {},
): Promise<FieldErrors> {
  const errors: FieldErrors = {};
  const check = async (field: 'password' | 'secondPassword') => {
    const labelKey = `passwords.${field}`;
    return input[field] ? brokenRules(labelKey, input[field], who) : required(labelKey);
  };
  const [password, second] = await Promise.all([check('password'), check('secondPassword')]);
  if (password) errors.password = password;
  if (second) errors.secondPassword = second;
  if (!password && input.password !== input.passwordConfirm) {
    errors.passwordConfirm = message('passwordRules.confirm', { field: message('passwords.password') });
  }
  if (!second && input.secondPassword !== input.secondPasswordConfirm) {
    errors.secondPasswordConfirm = message('passwordRules.confirm', { field: message('passwords.secondPassword') });
  }
  if (!second && input.password === input.secondPassword) errors.secondPassword = message('passwordRules.sameAsPassword');
  if (!password && (await hasher.verify(currentPasswordHash, input.password)))
    errors.password = message('passwordRules.sameAsOld');
  return errors;
}

export type Secret = 'password' | 'secondPassword';

/**
 * Changing one secret: the current one must be right, the new one must follow the rules, be typed
 * twice, differ from the current one and from the other secret (password ≠ second password).
 */
export async function changeSecretErrors(
  hasher: SecretHasher,
  which: Secret,
  input: { current: string; next: string; confirm: string },
  hashes: { current: string | null | undefined; other: string | null | undefined },
  who: PasswordContext = {},
): Promise<FieldErrors> {
  const label = message(`passwords.${which}`);
  const errors: FieldErrors = {};
  if (!input.current) errors.current = required(`account.current.${which}`);
  else if (!(await hasher.verify(hashes.current, input.current)))
    errors.current = message('account.currentWrong', { field: label });
  const broken = input.next ? await brokenRules(`passwords.${which}`, input.next, who) : undefined;
  if (!input.next) errors.next = required(`account.new.${which}`);
  else if (broken) errors.next = broken;
  else if (input.next !== input.confirm) errors.confirm = message('passwordRules.confirm', { field: label });
  else if (input.next === input.current) errors.next = message('account.sameAsCurrent', { field: label });
  else if (await hasher.verify(hashes.other, input.next)) errors.next = message('passwordRules.sameAsPassword');
  return errors;
}

/** A student's new second password (S3): the rules, typed twice. */
export async function newSecondPasswordErrors(
  input: { secondPassword: string; secondPasswordConfirm: string },
  who: PasswordContext = {},
): Promise<FieldErrors> {
  const labelKey = 'passwords.secondPassword';
  if (!input.secondPassword) return { secondPassword: required(labelKey) };
  const broken = await brokenRules(labelKey, input.secondPassword, who);
  if (broken) return { secondPassword: broken };
  if (input.secondPassword !== input.secondPasswordConfirm) {
    return { secondPasswordConfirm: message('passwordRules.confirm', { field: message(labelKey) }) };
  }
  return {};
}

/** Stores a new second password (a student's setting, reset or change). */
export async function setSecondPassword(hasher: SecretHasher, accountId: mongoose.Types.ObjectId | string, value: string) {
  await updateAccount(accountId, { $set: { secondPasswordHash: await hasher.hash(value) } });
}

/** Replaces both secrets of a graduate (first login, reset) and ends the initial-password state. */
export async function setGraduatePasswords(hasher: SecretHasher, accountId: string, password: string, secondPassword: string) {
  const [passwordHash, secondPasswordHash] = await Promise.all([hasher.hash(password), hasher.hash(secondPassword)]);
  await updateAccount(accountId, {
    $set: { passwordHash, secondPasswordHash, mustSetPasswords: false },
    $unset: { initialPasswordExpiresAt: 1 },
  });
}

/** Staff passwords are longer than graduates' (docs/security.md): the same rules, 12 characters at least. */
export const STAFF_PASSWORD_LENGTH = 12;

/** A staff member's first password (from an invitation): the rules, the length, typed twice. */
export async function newStaffPasswordErrors(input: { password: string; passwordConfirm: string }, email: string) {
  const errors: FieldErrors = {};
  if (!input.password) errors.password = required('passwords.password');
  else {
    const broken = await brokenRules('passwords.password', input.password, { email });
    const short = input.password.length < STAFF_PASSWORD_LENGTH;
    if (broken || short) {
      const lines = [
        ...(broken?.lines ?? []),
        ...(short ? [message('passwordRules.staffLength', { min: STAFF_PASSWORD_LENGTH })] : []),
      ];
      errors.password = message('passwordRules.heading', { field: message('passwords.password') }, lines);
    }
  }
  if (!errors.password && input.password !== input.passwordConfirm) {
    errors.passwordConfirm = message('passwordRules.confirm', { field: message('passwords.password') });
  }
  return errors;
}
