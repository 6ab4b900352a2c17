import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The manuals' rules (8+ characters, upper and lower case and a digit, half-width alphanumerics only),
 * and NIST SP 800-63B 5.1.1.2's (requirement X3.5): not a commonly used or breached password, and not
 * the mail address's local part.
 */
export type PasswordProblem = 'length' | 'charset' | 'upper' | 'lower' | 'digit' | 'common' | 'mailAddress';

/**
 * zxcvbn-ts's list of about 49,000 passwords most common in published breaches (lower case), held
 * as a set: `Password1` and `Welcome1` pass the manuals' rules and are among the first tried.
 */
const COMMON = new Set(dictionary['passwords-common'] as string[]);

/** The manuals' shortest password; a university may ask for longer ones (its passwordMinLength). */
export const MIN_LENGTH = 8;

/** Who a password is for: the account's address (not its local part) and the university's minimum length. */
export interface PasswordContext {
  email?: string;
  minLength?: number;
}

/** The rules of `tenant` for the account at `email`. */
export const passwordRulesOf = (tenant: { passwordMinLength?: number | null }, email?: string): PasswordContext => ({
  email,
  minLength: tenant.passwordMinLength ?? MIN_LENGTH,
});

export function passwordProblems(password: string, context: PasswordContext = {}): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  if (password.length < Math.max(MIN_LENGTH, context.minLength ?? MIN_LENGTH)) problems.push('length');
  if (!/^[A-Za-z0-9]*$/.test(password)) problems.push('charset');
  if (!/[A-Z]/.test(password)) problems.push('upper');
  if (!/[a-z]/.test(password)) problems.push('lower');
  if (!/[0-9]/.test(password)) problems.push('digit');
  if (COMMON.has(password.toLowerCase())) problems.push('common');
  const localPart = context.email?.split('@')[0]?.toLowerCase();
  if (localPart && password.toLowerCase() === localPart) problems.push('mailAddress');
  return problems;
}

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A random password that satisfies the rules (initial passwords); no look-alike characters. */
export function generatePassword(length = 12): string {
  for (;;) {
    const bytes = crypto.getRandomValues(new Uint8Array(length));
    // 256 is not a multiple of the alphabet size; the bias (under 1%) is irrelevant at 12 characters.
    const candidate = Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
    if (passwordProblems(candidate).length === 0) return candidate;
  }
}
