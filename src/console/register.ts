import type { Context } from 'koa';
import { decodeCsv } from '../admin/csv.ts';
import {
  applyRegister,
  deleteRegister,
  dropRegisterUpload,
  type RegisterMode,
  registerChanges,
  registerSize,
  stagedRegisterUpload,
  stageRegisterUpload,
} from '../admin/register.ts';
import { type ColumnMapping, guessMapping, REGISTER_FIELDS, readRegister, registerRows } from '../admin/register-csv.ts';
import { audit } from '../db/audit.ts';
import { formField, oneFileForm } from '../http/form.ts';
import { staffOf, tenantOf } from '../http/state.ts';
import { message } from '../i18n/index.ts';
import type { PageDeps } from '../page-deps.ts';
import { go } from '../review/context.ts';
import { renderConsole } from './page.ts';

/** A register of about 50,000 graduates; larger ones are uploaded in parts with "extend". */
const REGISTER_BYTES = 8 * 1024 * 1024;
const SHOWN_PROBLEMS = 50;

/** GET /t/:tenant/staff/register (reviewers, admins): the register's size, an upload, deletion. */
export async function showRegister(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const done = typeof ctx.query.done === 'string' && ['applied', 'deleted'].includes(ctx.query.done) ? ctx.query.done : '';
  const size = await registerSize(tenantOf(ctx)._id);
  renderConsole(ctx, 'console-register', '/register', { size, updatedAt: tenantOf(ctx).registerUpdatedAt, done }, extra, status);
}

/** The chosen file, decoded (UTF-8 ± BOM or Shift_JIS), as `registerText`; its name as `registerName`. */
export const registerUpload = oneFileForm('register', { maxBytes: REGISTER_BYTES, fields: 5 }, (ctx, { bytes, name, error }) => {
  if (error) ctx.throw(413);
  const body = ctx.request.body as Record<string, string>;
  body.registerText = bytes ? decodeCsv(bytes) : '';
  body.registerName = name ?? '';
});

/** POST …/register/upload: the file is kept sealed for the mapping and preview (…/register/uploads/:id). */
export async function uploadRegister(ctx: Context): Promise<void> {
  const text = formField(ctx, 'registerText', REGISTER_BYTES * 2);
  if (!text.trim()) return showRegister(ctx, { errors: { register: message('console.register.fileMissing') } }, 400);
  const id = await stageRegisterUpload(tenantOf(ctx)._id, staffOf(ctx)._id.toString(), formField(ctx, 'registerName'), text);
  go(ctx, `/register/uploads/${id}`);
}

/** The mapping a form posted: `column-<field>` and `column2-<field>`, each a column's index or empty. */
function postedMapping(ctx: Context, columns: number): ColumnMapping {
  const mapping: ColumnMapping = {};
  for (const field of REGISTER_FIELDS) {
    const chosen = [formField(ctx, `column-${field}`), formField(ctx, `column2-${field}`)]
      .filter((value) => /^\d{1,3}$/.test(value) && Number(value) < columns)
      .map(Number);
    if (chosen.length) mapping[field] = chosen;
  }
  return mapping;
}

/**
 * GET …/register/uploads/:id shows the columns as recognised and what they read; POST the same address
 * with a mapping reads it again, and with `apply` (and no row refused) writes the register and audits it.
 */
export async function showUpload(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const upload = await stagedRegisterUpload(tenantOf(ctx)._id, staffOf(ctx)._id.toString(), String(ctx.params.id));
  if (!upload) return showRegister(ctx, { errors: { register: message('console.register.expired') } }, 404);
  const read = registerRows(upload.text);
  if ('unreadable' in read) {
    const problems = [{ line: read.unreadable, key: 'unreadable' }];
    return renderConsole(
      ctx,
      'console-register-upload',
      `/register/uploads/${upload.id}`,
      { upload, problems, header: [] },
      extra,
      400,
    );
  }
  const header = read.rows[0] ?? [];
  const posted = ctx.method === 'POST';
  const mapping = posted ? postedMapping(ctx, header.length) : guessMapping(header);
  const mode: RegisterMode = formField(ctx, 'mode') === 'extend' ? 'extend' : 'replace';
  const { records, problems } = readRegister(read.rows, mapping);
  const ready = Boolean(mapping.studentId && mapping.nameKanji);
  const changes = ready ? await registerChanges(tenantOf(ctx)._id, records, mode) : undefined;
  const data = {
    upload,
    header,
    sample: read.rows[1] ?? [],
    fields: REGISTER_FIELDS,
    mapping,
    mode,
    rows: read.rows.length - 1,
    records: records.length,
    problems: problems.slice(0, SHOWN_PROBLEMS),
    problemCount: problems.length,
    changes,
    errors: ready ? {} : { 'column-studentId': message('console.register.studentIdRequired') },
  };
  renderConsole(ctx, 'console-register-upload', `/register/uploads/${upload.id}`, data, extra, ready ? status : 400);
  return undefined;
}

export function checkOrApplyUpload({ logger }: PageDeps) {
  return async function checkOrApply(ctx: Context): Promise<void> {
    if (formField(ctx, 'apply') !== 'yes') return showUpload(ctx);
    const tenantId = tenantOf(ctx)._id;
    const upload = await stagedRegisterUpload(tenantId, staffOf(ctx)._id.toString(), String(ctx.params.id));
    const read = upload && registerRows(upload.text);
    if (!upload || !read || 'unreadable' in read) return showUpload(ctx);
    const mapping = postedMapping(ctx, read.rows[0]?.length ?? 0);
    const { records, problems } = readRegister(read.rows, mapping);
    if (problems.length || !mapping.studentId || !mapping.nameKanji || records.length === 0) {
      return showUpload(ctx, { formError: message('console.register.applyRefused') }, 400);
    }
    const mode: RegisterMode = formField(ctx, 'mode') === 'extend' ? 'extend' : 'replace';
    const changes = await registerChanges(tenantId, records, mode);
    await applyRegister(tenantId, upload.id, records, mode);
    await dropRegisterUpload(upload.id);
    const staff = staffOf(ctx)._id.toString();
    await audit(logger, {
      event: 'console.register_applied',
      tenant: tenantId,
      staff,
      upload: upload.id,
      mode,
      ...changes,
      ip: ctx.ip,
    });
    go(ctx, '/register?done=applied');
  };
}

/** POST …/register/delete: the whole register goes; audited with how many graduates it held. */
export function removeRegister({ logger }: PageDeps) {
  return async function deleteWholeRegister(ctx: Context): Promise<void> {
    const tenantId = tenantOf(ctx)._id;
    const removed = await deleteRegister(tenantId);
    await audit(logger, {
      event: 'console.register_deleted',
      tenant: tenantId,
      staff: staffOf(ctx)._id.toString(),
      removed,
      ip: ctx.ip,
    });
    go(ctx, '/register?done=deleted');
  };
}
