import Router from '@koa/router';
import { fileTypeFromBuffer } from 'file-type';
import { imageSize } from 'image-size';
import { Jimp } from 'jimp';
import type { Context } from 'koa';
import { audit } from '../db/audit.ts';
import { logoPng, TenantModel } from '../db/models/tenant.ts';
import { formField, oneFileForm } from '../http/form.ts';
import { tenantOf } from '../http/state.ts';
import { type FieldErrors, message } from '../i18n/index.ts';
import type { PageDeps } from '../page-deps.ts';
import { go } from '../review/context.ts';
import { renderConsole } from './page.ts';

// Issue 26 item 1: a university's look — a primary colour (the header and main buttons, white text
// on it) and a logo beside its name — checked, previewed, then saved.

const UPLOAD_BYTES = 2 * 1024 * 1024;
/** Larger pictures are refused before they are decoded (a small file can unpack to gigabytes). */
const MAX_SIDE = 4000;
/** The logo as pages show it: at most this box, kept as PNG. */
const LOGO_BOX = { w: 320, h: 96 };
/** WCAG AA for normal text: white on the colour must reach it. */
const MIN_CONTRAST = 4.5;

const HEX = /^#[0-9a-f]{6}$/;

/** The contrast ratio of white text on `hex` (WCAG 2 relative luminance). */
export function contrastWithWhite(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((at) => {
    const c = Number.parseInt(hex.slice(at, at + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return 1.05 / (luminance + 0.05);
}

/** A colour as people type it (#1E4D8C, 1e4d8c, ＃１Ｅ…), or undefined. */
const typedColor = (typed: string): string | undefined => {
  const text = typed.normalize('NFKC').trim().toLowerCase();
  const hex = text.startsWith('#') ? text : `#${text}`;
  return HEX.test(hex) ? hex : undefined;
};

/** The stylesheet of a colour: the header and primary buttons. */
const stylesheet = (color: string, scope = '') =>
  `${scope}.site-header{background:${color}}${scope}button.primary,${scope}a.button.primary{background:${color};border-color:${color}}\n`;

/** The uploaded logo checked by its bytes (PNG, JPEG or GIF, at most 4000 px a side) and fitted into the logo box as PNG. */
async function fittedLogo(bytes: Buffer): Promise<{ png?: Buffer; error?: string }> {
  const type = await fileTypeFromBuffer(bytes);
  if (!type || !['image/png', 'image/jpeg', 'image/gif'].includes(type.mime)) return { error: 'logoType' };
  const { width = 0, height = 0 } = imageSize(bytes);
  if (!width || !height || width > MAX_SIDE || height > MAX_SIDE) return { error: 'logoSize' };
  const image = await Jimp.read(bytes);
  if (image.width > LOGO_BOX.w || image.height > LOGO_BOX.h) image.scaleToFit({ w: LOGO_BOX.w, h: LOGO_BOX.h });
  return { png: await image.getBuffer('image/png') };
}

const dataUrl = (png: Buffer | undefined) => (png ? `data:image/png;base64,${png.toString('base64')}` : '');

/** GET /t/:tenant/staff/branding (admins): the colour and logo, with a preview before saving. */
export function showBranding(ctx: Context, extra: Record<string, unknown> = {}, status = 200): void {
  const tenant = tenantOf(ctx);
  const current = { color: tenant.branding?.color ?? '', logo: dataUrl(logoPng(tenant)) };
  const page = { current, minContrast: MIN_CONTRAST, done: ctx.query.done === 'saved', values: { color: current.color } };
  renderConsole(ctx, 'console-branding', '/branding', page, extra, status);
}

/** The logo file (if one was chosen) kept as `logoFile`, or a file too large noted, before the form's checks. */
export const logoUpload = oneFileForm('logo', { maxBytes: UPLOAD_BYTES, fields: 8 }, (ctx, { bytes, error }) => {
  if (error) ctx.state.logoTooLarge = true;
  else if (bytes) ctx.state.logoFile = bytes;
});

/** What the form asks for: the colour, and the logo — a new file, the one previewed, none, or the current. */
async function postedLook(ctx: Context): Promise<{ color: string; logo?: Buffer | null; errors: FieldErrors }> {
  const errors: FieldErrors = {};
  const typed = formField(ctx, 'color', 30);
  const color = typed.trim() ? typedColor(typed) : '';
  if (color === undefined) errors.color = message('console.branding.errors.color');
  else if (color && contrastWithWhite(color) < MIN_CONTRAST) {
    errors.color = message('console.branding.errors.contrast', { ratio: contrastWithWhite(color).toFixed(1), min: MIN_CONTRAST });
  }
  let logo: Buffer | null | undefined;
  if (ctx.state.logoTooLarge) errors.logo = message('console.branding.errors.logoBytes');
  else if (ctx.state.logoFile) {
    const fitted = await fittedLogo(ctx.state.logoFile as Buffer);
    if (fitted.error) errors.logo = message(`console.branding.errors.${fitted.error}`);
    logo = fitted.png;
  } else if (formField(ctx, 'removeLogo') === 'yes') logo = null;
  else if (formField(ctx, 'logoData', 200_000)) {
    const previewed = await fittedLogo(Buffer.from(formField(ctx, 'logoData', 200_000), 'base64'));
    logo = previewed.png;
  }
  return { color: color ?? '', logo, errors };
}

/** POST …/branding: `step=preview` shows the look on a sample header; `step=save` keeps it for every page. */
export function saveBranding({ logger }: PageDeps) {
  return async function previewOrSave(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    const { color, logo, errors } = await postedLook(ctx);
    const values = { color: formField(ctx, 'color', 30), removeLogo: formField(ctx, 'removeLogo') };
    if (Object.keys(errors).length) return showBranding(ctx, { values, errors, formError: message('form.errorSummary') }, 400);
    if (formField(ctx, 'step') !== 'save') {
      // The logo previewed goes back with the form (fitted already, a few KB), so saving needs no new upload.
      const preview = { color, logo: logo === null ? '' : dataUrl(logo ?? logoPng(tenant)) };
      return showBranding(ctx, { values: { ...values, color }, preview, logoData: logo ? logo.toString('base64') : '' });
    }
    const set: Record<string, unknown> = { 'branding.color': color, 'branding.updatedAt': new Date() };
    const change =
      logo === null ? { $set: set, $unset: { 'branding.logo': 1 } } : { $set: logo ? { ...set, 'branding.logo': logo } : set };
    await TenantModel.updateOne({ _id: tenant._id }, change);
    const staff = ctx.state.staff?._id.toString();
    const detail = {
      before: tenant.branding?.color ?? '',
      after: color,
      logo: logo === null ? 'removed' : logo ? 'replaced' : 'kept',
    };
    await audit(logger, { event: 'console.branding_changed', tenant: tenant._id, staff, ...detail, ip: ctx.ip });
    go(ctx, '/branding?done=saved');
  };
}

/** Public: the university's stylesheet and logo, linked from every page's layout; versioned, so cached long. */
export function brandingAssets(): Router {
  const cacheLong = (ctx: Context) => ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
  return new Router()
    .get('/branding.css', (ctx) => {
      const color = tenantOf(ctx).branding?.color;
      if (!color || !HEX.test(color)) return ctx.throw(404);
      cacheLong(ctx);
      ctx.type = 'text/css';
      ctx.body = stylesheet(color);
    })
    .get('/branding-preview.css', (ctx) => {
      const color = typedColor(String(ctx.query.color ?? ''));
      if (!color) return ctx.throw(404);
      ctx.type = 'text/css';
      ctx.body = stylesheet(color, '.brand-preview ');
    })
    .get('/logo.png', (ctx) => {
      const logo = logoPng(tenantOf(ctx));
      if (!logo) return ctx.throw(404);
      cacheLong(ctx);
      ctx.type = 'image/png';
      ctx.body = logo;
    });
}
