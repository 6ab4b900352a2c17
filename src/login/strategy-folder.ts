import { existsSync, readFileSync } from 'node:fs';
import { registerView } from '../http/views.ts';
import { LANGUAGES, type Lang, registerStrings } from '../i18n/index.ts';

/**
 * What a strategy's folder carries beside its code (issue 25 item 6: a new login method is a folder
 * and a line): `view.eta`, its part of the login page (views/login.eta includes it as `@login-<id>`),
 * any other `<name>.eta` asked for (as `@login-<id>-<name>`), and `strings.ja.json` /
 * `strings.en.json`, its words, whose keys read `login-<id>:key`.
 */
export function strategyFolder(id: string, moduleUrl: string, views: string[] = []): void {
  const file = (name: string) => new URL(`./${name}`, moduleUrl);
  registerView(`login-${id}`, file('view.eta'));
  for (const view of views) registerView(`login-${id}-${view}`, file(`${view}.eta`));
  if (!existsSync(file('strings.ja.json'))) return;
  const strings = Object.fromEntries(
    LANGUAGES.map((lang) => [lang, JSON.parse(readFileSync(file(`strings.${lang}.json`), 'utf8'))]),
  ) as Record<Lang, object>;
  registerStrings(`login-${id}`, strings);
}
