/**
 * What each name field takes (requirement X3.4): the scripts names are written in, and nothing else —
 * no emoji or other pictographs, which would reach staff, claims and certificates. Unicode script
 * properties, not hand-made code-point lists. Family and given name are separated by one space
 * (half-width or full-width), as the manuals write them.
 */
const KANJI_NAME_PART = String.raw`[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Latin}ー・]+`;
const KANA_PART = String.raw`[\p{Script=Katakana}ー]+`;
const ROMAN_PART = "[A-Za-z][A-Za-z'-]*";

export const NAME_RULES = {
  /** 氏名 (kanji): Han (the iteration mark 々 is Han), kana, Latin letters, ー and ・. */
  name: new RegExp(`^${KANJI_NAME_PART}[ \u3000]${KANJI_NAME_PART}$`, 'u'),
  /** フリガナ: katakana and the long-vowel mark. */
  kana: new RegExp(`^${KANA_PART}[ \u3000]${KANA_PART}$`, 'u'),
  /** Roman letters: Latin letters, hyphen and apostrophe; one half-width space between the parts. */
  roman: new RegExp(`^${ROMAN_PART} ${ROMAN_PART}$`),
} as const;

export type NameKind = keyof typeof NAME_RULES;

export const nameFits = (kind: NameKind, value: string): boolean => NAME_RULES[kind].test(value);
