import type { Context } from 'koa';
import { publishTerms, saveTermsDraft, TERMS_MAX, termsVersions } from '../admin/terms.ts';
import { audit } from '../db/audit.ts';
import { formField } from '../http/form.ts';
import { tenantOf } from '../http/state.ts';
import { type FieldErrors, formatDateTime, message } from '../i18n/index.ts';
import type { PageDeps } from '../page-deps.ts';
import { go } from '../review/context.ts';
import { renderConsole } from './page.ts';

/** GET /t/:tenant/staff/terms (admins): the published version, the draft with its preview, the history. */
export async function showTerms(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const tenant = tenantOf(ctx);
  const draft = { ja: tenant.termsDraft?.ja ?? '', en: tenant.termsDraft?.en ?? '' };
  const hasDraft = Boolean(draft.ja || draft.en);
  const versions = (await termsVersions(tenant._id)).map((v) => ({
    version: v.version,
    at: formatDateTime(v.publishedAt, ctx.state.lang),
  }));
  renderConsole(
    ctx,
    'console-terms',
    '/terms',
    {
      published: { version: tenant.termsVersion ?? 0, ja: tenant.terms?.ja ?? '', en: tenant.terms?.en ?? '' },
      draft: hasDraft ? draft : undefined,
      versions,
      done: typeof ctx.query.done === 'string' && ['saved', 'published'].includes(ctx.query.done) ? ctx.query.done : '',
      values: hasDraft ? draft : { ja: tenant.terms?.ja ?? '', en: tenant.terms?.en ?? '' },
    },
    extra,
    status,
  );
}

/** POST …/terms/draft: the text kept as a draft and previewed in both languages; applicants see nothing yet. */
export function saveDraft({ logger }: PageDeps) {
  return async function keepTermsDraft(ctx: Context): Promise<void> {
    const text = {
      ja: formField(ctx, 'ja', TERMS_MAX).replace(/\r\n/g, '\n'),
      en: formField(ctx, 'en', TERMS_MAX).replace(/\r\n/g, '\n'),
    };
    const errors: FieldErrors = {};
    for (const lang of ['ja', 'en'] as const) {
      const field = message(`console.terms.${lang}`);
      if (!text[lang].trim()) errors[lang] = message('form.required', { field });
      else if (text[lang].length > TERMS_MAX) errors[lang] = message('form.tooLong', { field, max: TERMS_MAX });
    }
    if (Object.keys(errors).length) return showTerms(ctx, { values: text, errors, formError: message('form.errorSummary') }, 400);
    await saveTermsDraft(tenantOf(ctx)._id, text);
    await audit(logger, {
      event: 'console.terms_draft_saved',
      tenant: tenantOf(ctx)._id,
      staff: ctx.state.staff?._id.toString(),
      ip: ctx.ip,
    });
    go(ctx, '/terms?done=saved#preview');
  };
}

/** POST …/terms/publish: the draft becomes the next version; applications record which one they agreed to. */
export function publish({ logger }: PageDeps) {
  return async function publishTermsVersion(ctx: Context): Promise<void> {
    const tenantId = tenantOf(ctx)._id;
    const staff = ctx.state.staff?._id.toString() ?? '';
    const version = await publishTerms(tenantId, staff);
    if (!version) return showTerms(ctx, { formError: message('console.terms.notPublished') }, 409);
    await audit(logger, { event: 'console.terms_published', tenant: tenantId, staff, version, ip: ctx.ip });
    go(ctx, '/terms?done=published');
  };
}
