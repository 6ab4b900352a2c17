/** The manuals' rules: 8+ characters, upper and lower case and a digit, half-width alphanumerics only. */
export type PasswordProblem = 'length' | 'charset' | 'upper' | 'lower' | 'digit';

export function passwordProblems(password: string): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  if (password.length < 8) problems.push('length');
  if (!/^[A-Za-z0-9]*$/.test(password)) problems.push('charset');
  if (!/[A-Z]/.test(password)) problems.push('upper');
  if (!/[a-z]/.test(password)) problems.push('lower');
  if (!/[0-9]/.test(password)) problems.push('digit');
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
