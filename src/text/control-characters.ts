/**
 * Characters no text of ours takes (requirement X3.3): NUL, which PostgreSQL cannot store (22P05
 * through FerretDB) and MongoDB would, and the other C0 and C1 control characters. TAB, LF and CR are
 * left to each field's own rule (a multi-line field takes them, a one-line field refuses them).
 */
const CONTROL = /(?![\t\n\r])\p{Cc}/u;
const CONTROL_ALL = /(?![\t\n\r])\p{Cc}/gu;

export const hasControlCharacters = (value: string): boolean => CONTROL.test(value);

export const withoutControlCharacters = (value: string): string => value.replace(CONTROL_ALL, '');

/** The names of a parsed form's string fields that carry such a character. */
export function fieldsWithControlCharacters(body: unknown): string[] {
  if (!body || typeof body !== 'object') return [];
  return Object.entries(body as Record<string, unknown>)
    .filter(([, value]) => typeof value === 'string' && hasControlCharacters(value))
    .map(([name]) => name);
}
