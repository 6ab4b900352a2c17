import type { Context, Middleware } from 'koa';
import { imageBytes } from '../db/models/application.ts';
import { type ApplicationDraft, ApplicationDraftModel } from '../db/models/application-draft.ts';
import { formField, multipartBody } from '../http/form.ts';
import { type FieldDef, GROUPS, tenantFields, validateFields } from '../http/form-items.ts';
import { seeOther } from '../http/redirect.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { message, translator } from '../i18n/index.ts';
import type { PageDeps } from '../page-deps.ts';
import { base, problem } from './context.ts';
import { currentDraft } from './draft-store.ts';
import { applicationUpload, type ParsedUpload, SIDES } from './uploads.ts';

const megabytes = (bytes: number) => Math.floor(bytes / 1_048_576);

/** The items a resubmission's reason names by their label, in either language (issue 28 item 6). */
function namedFields(fields: FieldDef[], reason: string): string[] {
  if (!reason) return [];
  const labels = (name: string) => (['ja', 'en'] as const).map((lang) => translator(lang)(`application.fields.${name}`));
  return fields.filter((field) => labels(field.name).some((label) => reason.includes(label))).map((field) => field.name);
}

/** Step 3, the applicant form, filled with what the draft holds. */
export function showForm(maxImageBytes: number) {
  return function applicantForm(ctx: Context, draft: ApplicationDraft, extra: Record<string, unknown> = {}, status = 200): void {
    const tenant = tenantOf(ctx);
    render(
      ctx,
      'apply-form',
      {
        action: `${base(tenant)}/form`,
        base: base(tenant),
        email: draft.email,
        fields: tenantFields(tenant),
        groups: GROUPS,
        catalogue: tenant.catalogue ?? [],
        values: draft.values ?? {},
        uploaded: { front: Boolean(draft.images?.front), back: Boolean(draft.images?.back) },
        maxMb: megabytes(maxImageBytes),
        maxBytes: maxImageBytes,
        resubmission: Boolean(draft.resubmissionOf),
        resubmitReason: draft.resubmitReason ?? '',
        named: namedFields(tenantFields(tenant), draft.resubmitReason ?? ''),
        errors: {},
        ...extra,
      },
      status,
    );
  };
}

/** The form of the draft this browser holds, or "no application under way". */
export function formOfDraft(maxImageBytes: number) {
  const show = showForm(maxImageBytes);
  return async function currentForm(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
    const draft = await currentDraft(ctx, tenantOf(ctx)._id);
    if (!draft) return problem(ctx, 'noFlow');
    show(ctx, draft, extra, status);
  };
}

const parsedUploads = new WeakMap<Context, ParsedUpload>();

/** The multipart body, parsed before the CSRF check reads its token; the images wait for the handler. */
export function uploadBody(maxImageBytes: number): Middleware {
  const upload = applicationUpload(maxImageBytes);
  return (ctx, next) =>
    multipartBody(ctx, async () => {
      parsedUploads.set(ctx, await upload(ctx));
      await next();
    });
}

/** Saves what was typed even when something is wrong, so nothing is lost; on to the confirmation when all is right. */
export function saveForm({ config }: PageDeps) {
  const { maxImageBytes, flowMinutes } = config.application;
  const show = showForm(maxImageBytes);
  return async function saveApplicantForm(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    const draft = await currentDraft(ctx, tenant._id);
    if (!draft) return problem(ctx, 'noFlow');
    const { images, imageErrors } = parsedUploads.get(ctx) ?? { images: {}, imageErrors: {} };
    const { values, errors } = validateFields(tenant, (name) => formField(ctx, name, 2000));
    const merged = { ...draft.images, ...images };
    for (const side of SIDES) {
      const problemKind = imageErrors[side];
      if (problemKind) errors[`id_${side}`] = message(`form.image.${problemKind}`, { mb: megabytes(maxImageBytes) });
    }
    if (!merged.front && !errors.id_front) errors.id_front = message('form.image.required');
    const checked = Object.keys(errors).length === 0;
    const expiresAt = new Date(Date.now() + flowMinutes * 60_000);
    await ApplicationDraftModel.updateOne(
      { _id: draft._id },
      { $set: { values, images: merged, checked, lang: ctx.state.lang, expiresAt } },
    );
    if (!checked) return show(ctx, { ...draft, values, images: merged }, { errors }, 400);
    seeOther(ctx, `${base(tenant)}/confirm`);
  };
}

/** An uploaded identification image, shown back to the applicant only (never cached). */
export async function uploadedImage(ctx: Context): Promise<void> {
  const draft = await currentDraft(ctx, tenantOf(ctx)._id);
  const image = draft?.images?.[ctx.params.side === 'back' ? 'back' : 'front'];
  if (!image) return ctx.throw(404);
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.type = image.contentType;
  ctx.body = imageBytes(image.data);
}
