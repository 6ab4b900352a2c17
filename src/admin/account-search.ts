import { escapeRegex } from '../db/regex.ts';
import { kanjiFormsPattern, katakana } from '../text/likeness.ts';
import { typedDay } from '../text/typed-date.ts';

const SCRIPTS = ['kanji', 'kana', 'roman'] as const;

/**
 * A name in one script as a condition on accounts: kanji in old or new forms, kana in katakana, roman
 * in any case; without `given`, either part.
 */
export function nameCondition(script: (typeof SCRIPTS)[number], family: string, given?: string): Record<string, unknown> {
  const exact = (value: string) =>
    script === 'roman'
      ? { $regex: `^${escapeRegex(value)}$`, $options: 'i' }
      : script === 'kana'
        ? katakana(value)
        : { $regex: `^${kanjiFormsPattern(value, escapeRegex)}$` };
  return given === undefined
    ? { $or: [{ [`name.${script}.family`]: exact(family) }, { [`name.${script}.given`]: exact(family) }] }
    : { [`name.${script}.family`]: exact(family), [`name.${script}.given`]: exact(given) };
}

/** One name condition per script. */
const nameConditions = (family: string, given: string | undefined) =>
  SCRIPTS.map((script) => nameCondition(script, family, given));

/**
 * What a helpdesk member or a reviewer types (issue 26 item 7, issue 27 item 4), as conditions on the
 * university's accounts: a mail address (or its beginning), a student ID, a birth date in the forms
 * people type (平成7年4月1日 too), or a name in any of its three scripts, with or without the space
 * between family and given name, in full or half width, in old or new kanji forms.
 */
export function accountSearch(typed: string): Array<Record<string, unknown>> | undefined {
  const text = typed.normalize('NFKC').trim().slice(0, 100);
  if (!text) return undefined;
  const anyOf: Array<Record<string, unknown>> = [
    { email: { $regex: `^${escapeRegex(text.toLowerCase())}` } },
    { 'studentIds.number': text.toUpperCase() },
    { 'studentIds.number': text },
  ];
  const date = typedDay(text);
  if (date) anyOf.push({ birthdate: date });
  const words = text.split(/\s+/);
  if (words.length === 2) anyOf.push(...nameConditions(words[0] as string, words[1]));
  if (words.length === 1) {
    anyOf.push(...nameConditions(text, undefined));
    // Without the space: every place it could have stood.
    const letters = [...text].slice(0, 20);
    for (let at = 1; at < letters.length; at++) {
      anyOf.push(...nameConditions(letters.slice(0, at).join(''), letters.slice(at).join('')));
    }
  }
  return anyOf;
}
