import type { Context } from 'koa';
import { catalogueChanges, catalogueCsv, readCatalogueCsv } from '../admin/catalogue.ts';
import { decodeCsv } from '../admin/csv.ts';
import { configureTenant } from '../admin/tenants.ts';
import { audit } from '../db/audit.ts';
import type { CatalogueEntry } from '../db/models/tenant.ts';
import { formField, oneFileForm } from '../http/form.ts';
import { FIELDS, GROUPS } from '../http/form-items.ts';
import { tenantOf } from '../http/state.ts';
import { message } from '../i18n/index.ts';
import type { PageDeps } from '../page-deps.ts';
import { go } from '../review/context.ts';
import { renderConsole } from './page.ts';

const MODES = ['required', 'optional', 'hidden'] as const;
const CSV_BYTES = 1024 * 1024;

/** The mode of each item as this university has it (its override, or the manuals' default). */
function itemModes(ctx: Context): Record<string, string> {
  const overrides = new Map((tenantOf(ctx).applicationFields ?? []).map((f) => [f.name, f.mode]));
  return Object.fromEntries(FIELDS.map((f) => [f.name, f.fixed ? f.mode : (overrides.get(f.name) ?? f.mode)]));
}

/** GET /t/:tenant/staff/form (admins): which items the application form shows, and the catalogue. */
export function showApplicationForm(ctx: Context, extra: Record<string, unknown> = {}, status = 200): void {
  const done = typeof ctx.query.done === 'string' && ['items', 'catalogue'].includes(ctx.query.done) ? ctx.query.done : '';
  renderConsole(
    ctx,
    'console-form',
    '/form',
    {
      groups: GROUPS,
      fields: FIELDS,
      modes: MODES,
      values: itemModes(ctx),
      catalogue: tenantOf(ctx).catalogue ?? [],
      done,
    },
    extra,
    status,
  );
}

/** POST …/form/items: each item required, optional or hidden (fixed items stay required); audited before and after. */
export function saveItems({ logger }: PageDeps) {
  return async function saveFormItems(ctx: Context): Promise<void> {
    const before = itemModes(ctx);
    const fields = FIELDS.filter((f) => !f.fixed).map((f) => {
      const mode = formField(ctx, `mode-${f.name}`);
      return { name: f.name, mode: (MODES as readonly string[]).includes(mode) ? mode : f.mode };
    });
    await configureTenant(tenantOf(ctx)._id, { fields });
    const changed = fields.filter((f) => before[f.name] !== f.mode);
    if (changed.length) {
      const staff = ctx.state.staff?._id.toString();
      const detail = {
        before: changed.map((f) => `${f.name}=${before[f.name]}`).join(' '),
        after: changed.map((f) => `${f.name}=${f.mode}`).join(' '),
      };
      await audit(logger, { event: 'console.form_items_changed', tenant: tenantOf(ctx)._id, staff, ...detail, ip: ctx.ip });
    }
    go(ctx, '/form?done=items');
  };
}

/** GET …/form/catalogue.csv: the catalogue to edit in a spreadsheet and import again. */
export function exportCatalogue(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Content-Disposition', `attachment; filename="catalogue-${tenantOf(ctx)._id}.csv"`);
  ctx.type = 'text/csv; charset=utf-8';
  ctx.body = catalogueCsv((tenantOf(ctx).catalogue ?? []) as CatalogueEntry[]);
}

/** A CSV file chosen (or text pasted), read into the body as `csvText` before the form's checks. */
export const csvUpload = oneFileForm('csv', { maxBytes: CSV_BYTES, fields: 5 }, (ctx, { bytes, error }) => {
  if (error) ctx.throw(413);
  if (bytes) (ctx.request.body as Record<string, string>).csvText = decodeCsv(bytes);
});

/**
 * POST …/form/catalogue (`apply` absent): the CSV read and shown before anything changes — rows
 * read, rows refused and why, entries added, changed and removed; with `apply`, and no refused row,
 * the catalogue is replaced and the change audited.
 */
export function importCatalogue({ logger }: PageDeps) {
  return async function previewOrApply(ctx: Context): Promise<void> {
    const text = formField(ctx, 'csvText', CSV_BYTES * 2);
    if (!text.trim()) return showApplicationForm(ctx, { errors: { csv: message('console.form.csvMissing') } }, 400);
    const { entries, problems } = readCatalogueCsv(text);
    const changes = catalogueChanges((tenantOf(ctx).catalogue ?? []) as CatalogueEntry[], entries);
    const preview = { text, entries: entries.length, problems, ...changes };
    if (formField(ctx, 'apply') !== 'yes' || problems.length || entries.length === 0) {
      return showApplicationForm(ctx, { preview }, problems.length ? 400 : 200);
    }
    await configureTenant(tenantOf(ctx)._id, { catalogue: entries });
    const counts = { added: changes.added.length, changed: changes.changed.length, removed: changes.removed.length };
    await audit(logger, {
      event: 'console.catalogue_imported',
      tenant: tenantOf(ctx)._id,
      staff: ctx.state.staff?._id.toString(),
      ...counts,
      ip: ctx.ip,
    });
    go(ctx, '/form?done=catalogue');
  };
}
