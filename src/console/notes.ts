import type { Context } from 'koa';
import { audit } from '../db/audit.ts';
import { NOTE_SCREENS, TenantModel } from '../db/models/tenant.ts';
import { formField } from '../http/form.ts';
import { tenantOf } from '../http/state.ts';
import { type FieldErrors, message } from '../i18n/index.ts';
import type { PageDeps } from '../page-deps.ts';
import { go } from '../review/context.ts';
import { renderConsole } from './page.ts';

const MAX = 2000;
const LANGS = ['ja', 'en'] as const;
const field = (screen: string, lang: string) => `${screen}-${lang}`;

/** The form's values as the university has them: one text area per screen and language. */
function storedNotes(ctx: Context): Record<string, string> {
  const notes = tenantOf(ctx).notes ?? [];
  return Object.fromEntries(
    NOTE_SCREENS.flatMap((screen) =>
      LANGS.map((lang) => [field(screen, lang), notes.find((n) => n.screen === screen)?.[lang] ?? '']),
    ),
  );
}

/** GET /t/:tenant/staff/notes (admins): the university's own lines under each screen's notes. */
export function showNotes(ctx: Context, extra: Record<string, unknown> = {}, status = 200): void {
  const page = { screens: NOTE_SCREENS, done: ctx.query.done === 'saved', values: storedNotes(ctx) };
  renderConsole(ctx, 'console-notes', '/notes', page, extra, status);
}

/** POST …/notes: saved for every page at once; both languages or neither per screen; audited with the screens changed. */
export function saveNotes({ logger }: PageDeps) {
  return async function saveScreenNotes(ctx: Context): Promise<void> {
    const before = storedNotes(ctx);
    const values = Object.fromEntries(
      Object.keys(before).map((name) => [name, formField(ctx, name, MAX).replace(/\r\n/g, '\n').trim()]),
    );
    const errors: FieldErrors = {};
    for (const screen of NOTE_SCREENS) {
      for (const lang of LANGS) {
        const text = values[field(screen, lang)] ?? '';
        const other = values[field(screen, lang === 'ja' ? 'en' : 'ja')] ?? '';
        if (text.length > MAX)
          errors[field(screen, lang)] = message('form.tooLong', { field: message(`console.notes.lang.${lang}`), max: MAX });
        else if (!text && other) errors[field(screen, lang)] = message('console.notes.bothLanguages');
      }
    }
    if (Object.keys(errors).length) return showNotes(ctx, { values, errors, formError: message('form.errorSummary') }, 400);
    const notes = NOTE_SCREENS.filter((screen) => values[field(screen, 'ja')]).map((screen) => ({
      screen,
      ja: values[field(screen, 'ja')],
      en: values[field(screen, 'en')],
    }));
    await TenantModel.updateOne({ _id: tenantOf(ctx)._id }, { $set: { notes } });
    const changed = NOTE_SCREENS.filter((screen) =>
      LANGS.some((lang) => before[field(screen, lang)] !== values[field(screen, lang)]),
    );
    const staff = ctx.state.staff?._id.toString();
    await audit(logger, {
      event: 'console.notes_changed',
      tenant: tenantOf(ctx)._id,
      staff,
      screens: changed.join(','),
      ip: ctx.ip,
    });
    go(ctx, '/notes?done=saved');
  };
}
