import i18next, { type TFunction } from 'i18next';
import en from './locales/en.json' with { type: 'json' };
import ja from './locales/ja.json' with { type: 'json' };

export const LANGUAGES = ['ja', 'en'] as const;
export type Lang = (typeof LANGUAGES)[number];
export const DEFAULT_LANG: Lang = 'ja';

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

const i18n = i18next.createInstance();
await i18n.init({
  resources: { ja: { translation: ja }, en: { translation: en } },
  lng: DEFAULT_LANG,
  fallbackLng: DEFAULT_LANG,
  supportedLngs: [...LANGUAGES],
  // Views and mails escape on output; escaping here too would double-escape.
  interpolation: { escapeValue: false },
  returnNull: false,
});

export function translator(lang: Lang): TFunction {
  return i18n.getFixedT(lang);
}

/** First supported language of a space-separated preference list (ui_locales, e.g. "en-US ja"). */
export function pickLang(preferences: string | undefined): Lang | undefined {
  for (const tag of (preferences ?? '').split(/\s+/)) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLang(base)) return base;
  }
  return undefined;
}

/** A date and time as Japanese universities show it (Japan time), e.g. the previous login. */
export function formatDateTime(when: Date | number, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: 'Asia/Tokyo',
  }).format(when);
}
