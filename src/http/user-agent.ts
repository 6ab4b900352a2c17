import { UAParser } from 'ua-parser-js';
import { withoutControlCharacters } from '../text/control-characters.ts';

/** A browser as a person recognises it, from its User-Agent (ua-parser-js): "Chrome 131 / Windows 10". */
export function describeBrowser(userAgent: string | undefined): string {
  const { browser, os } = new UAParser(userAgent ?? '').getResult();
  const name = [browser.name, browser.major].filter(Boolean).join(' ');
  const system = [os.name, os.version].filter(Boolean).join(' ');
  return withoutControlCharacters([name, system].filter(Boolean).join(' / ')).slice(0, 120) || '—';
}
