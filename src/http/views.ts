import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { TFunction } from 'i18next';
import type { Context } from 'koa';
import { DEFAULT_LANG, formatZonedDateTime, type Lang, type Message, translate, translator } from '../i18n/index.ts';
import { prefectureName } from '../text/prefectures.ts';

const viewsDir = fileURLToPath(new URL('../../views/', import.meta.url));
const eta = new Eta({ views: viewsDir, cache: process.env.NODE_ENV !== 'development', autoEscape: true });

/**
 * A view that lives beside the code that uses it (a login strategy's part of the login page), made
 * includable from views/ as `@name`.
 */
export function registerView(name: string, file: URL): void {
  eta.loadTemplate(`@${name}`, readFileSync(file, 'utf8'));
}

export interface Branding {
  university: string;
  inquiry: string;
  /** The university's colours and logo, when it set them (src/console/branding.ts). */
  stylesheet?: string;
  logo?: string;
  /** Its own lines under a screen's notes (src/console/notes.ts), in the page's language. */
  notes?: Record<string, string[]>;
  /** Its shortest password (the checklists and rules say it). */
  passwordMinLength?: number;
}

/** Renders a page of views/ in the request's language with the data every layout needs. */
export function render(ctx: Context, view: string, data: Record<string, unknown> = {}, status = 200): void {
  const lang: Lang = ctx.state.lang ?? DEFAULT_LANG;
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  const t = translator(lang);
  ctx.body = eta.render(view, {
    t,
    lang,
    /** A time as the page's reader reads it: Japan time, in their language, the zone named (a reviewer abroad). */
    when: (at: Date) => formatZonedDateTime(at, lang),
    /** A prefecture (stored in Japanese) as the page's reader reads it. */
    prefecture: (value: string) => prefectureName(value, lang),
    path: ctx.path,
    csrfToken: ctx.state.csrfToken,
    branding: ctx.state.branding,
    backTo: ctx.state.backTo,
    ...data,
    ...worded(t, data),
  });
}

/** Validators' messages (ids, src/i18n/index.ts) in the page's language: the field errors and the form error. */
function worded(t: TFunction, data: Record<string, unknown>) {
  const errors = (data.errors ?? {}) as Record<string, Message | string>;
  const formError = data.formError as Message | string | undefined;
  return {
    errors: Object.fromEntries(Object.entries(errors).map(([field, error]) => [field, translate(t, error)])),
    ...(formError ? { formError: translate(t, formError) } : {}),
  };
}
