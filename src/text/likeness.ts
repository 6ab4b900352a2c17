import { diffChars } from 'diff';
import { NEW_FORMS, OLD_FORMS } from './kanji-forms.ts';
import { typedDay } from './typed-date.ts';

/**
 * How a reviewer compares what an applicant typed with the university's register (issue 27): the same
 * text written the same way is a match; the same once the ways people differ are folded away (old and
 * new kanji forms, katakana and hiragana, long vowels in roman letters, date formats) or one letter
 * apart is close; anything else differs.
 */
export type Likeness = 'match' | 'close' | 'differs';
export type TextKind = 'kanji' | 'kana' | 'roman' | 'date' | 'text';

const olds = Array.from(OLD_FORMS);
const news = Array.from(NEW_FORMS);
const SEPARATORS = /[\s・･·.,'’‘`-]/gu;

/** Full-width letters and digits as half-width, half-width kana as full, runs of spaces as one. */
export const plainText = (value: string): string => value.normalize('NFKC').replace(/\s+/g, ' ').trim();

/** Katakana as hiragana (ァ U+30A1 … ヶ U+30F6 are 0x60 above ぁ … ゖ); the long-vowel mark stays. */
export const hiragana = (value: string): string =>
  value.replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode((c.codePointAt(0) as number) - 0x60));

/** Hiragana as katakana (kana names are stored in katakana; people type either). */
export const katakana = (value: string): string =>
  value.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode((c.codePointAt(0) as number) + 0x60));

/** Each character with a table entry, with all its forms: today's first, then the old ones. */
const FORMS_OF = new Map<string, string[]>();
{
  const byToday = new Map<string, string[]>();
  for (const [i, old] of olds.entries()) {
    const today = news[i] as string;
    byToday.set(today, [...(byToday.get(today) ?? [today]), old]);
  }
  for (const forms of byToday.values()) for (const form of forms) FORMS_OF.set(form, forms);
}

/** A regular expression for a kanji text in any of its old or new forms: 高橋 finds 髙橋 and 高橋. */
export function kanjiFormsPattern(value: string, literal: (text: string) => string): string {
  return Array.from(value, (c) => {
    const forms = FORMS_OF.get(c);
    return forms ? `[${forms.join('')}]` : literal(c);
  }).join('');
}

/** A name in kanji with today's forms and no spaces: 髙橋 齋藤 and 高橋 斎藤 are one key. */
export const kanjiKey = (value: string): string =>
  Array.from(plainText(value).replace(SEPARATORS, ''), (c) => FORMS_OF.get(c)?.[0] ?? c).join('');

/** A name in kana in one script (hiragana), without spaces: ヤマダ ハナコ, やまだはなこ, ﾔﾏﾀﾞ ﾊﾅｺ. */
export const kanaKey = (value: string): string => hiragana(plainText(value).replace(SEPARATORS, ''));

/**
 * A name in roman letters the way passports and registers differ: case, marks (ō û), spaces and
 * hyphens, and the long vowels written ou / oo / oh / uu — Satō, Satou, Satoh and SATO are one key.
 */
export function romanKey(value: string): string {
  const words = plainText(value)
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^a-z]+/);
  return words.map((word) => word.replace(/o[uo]|oh(?=[^aeiouy]|$)/g, 'o').replace(/uu/g, 'u')).join('');
}

/** The key a value is compared by; a date in any format the forms accept (1995/4/1, 19950401). */
export function comparisonKey(kind: TextKind, value: string): string {
  switch (kind) {
    case 'kanji':
      return kanjiKey(value);
    case 'kana':
      return kanaKey(value);
    case 'roman':
      return romanKey(value);
    case 'date':
      return typedDay(value) ?? plainText(value);
    default:
      return plainText(value).replace(SEPARATORS, '').toLowerCase();
  }
}

/** How many characters one must change to turn one key into the other, counted from a character diff. */
function changes(a: string, b: string): number {
  let added = 0;
  let removed = 0;
  for (const part of diffChars(a, b)) {
    if (part.added) added += part.count ?? part.value.length;
    if (part.removed) removed += part.count ?? part.value.length;
  }
  return Math.max(added, removed);
}

/** Compares an applicant's value with the register's; one letter apart counts as close from 4 letters on. */
export function likeness(kind: TextKind, typed: string, register: string): Likeness {
  const [a, b] = [plainText(typed), plainText(register)];
  if (a === b || (kind === 'roman' && a.toLowerCase() === b.toLowerCase())) return 'match';
  const [keyA, keyB] = [comparisonKey(kind, typed), comparisonKey(kind, register)];
  if (keyA === keyB) return keyA ? 'close' : 'differs';
  const typo = kind !== 'date' && Math.min(keyA.length, keyB.length) >= 4 && changes(keyA, keyB) <= 1;
  return typo ? 'close' : 'differs';
}

/** The register's value in parts, those that differ from what was typed marked, for highlighting. */
export function differences(typed: string, register: string): Array<{ text: string; differs: boolean }> {
  return diffChars(plainText(typed), plainText(register))
    .filter((part) => !part.removed)
    .map((part) => ({ text: part.value, differs: Boolean(part.added) }));
}
