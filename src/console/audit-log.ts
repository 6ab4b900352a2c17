import type { Context } from 'koa';
import { type AuditEntry, AuditModel } from '../db/models/audit.ts';
import { escapeRegex } from '../db/regex.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { formatDateTime, type Message, message } from '../i18n/index.ts';
import { base } from '../review/context.ts';

/** Entries a page shows; an export holds up to EXPORT_LIMIT. */
const PAGE_LIMIT = 100;
const EXPORT_LIMIT = 10_000;
const FILTERS = ['event', 'account', 'staff', 'request', 'from', 'to'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/** A day as typed in the filter (YYYY-MM-DD), as the instant it begins in Japan; undefined when it is not one. */
function japanDay(typed: string, next = false): Date | undefined {
  const day = typed.normalize('NFKC').trim().replaceAll('/', '-');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const start = new Date(`${day}T00:00:00+09:00`);
  if (Number.isNaN(start.getTime()) || !new Date(`${day}T00:00:00Z`).toISOString().startsWith(day)) return undefined;
  return next ? new Date(start.getTime() + 86_400_000) : start;
}

/** The query of the filters, on the university's own entries only; the messages of the filters that are wrong. */
function readFilters(ctx: Context): { filters: Filters; query: Record<string, unknown>; errors: Record<string, Message> } {
  const filters = Object.fromEntries(
    FILTERS.map((name) => [name, typeof ctx.query[name] === 'string' ? (ctx.query[name] as string).trim().slice(0, 200) : '']),
  ) as Filters;
  const query: Record<string, unknown> = { tenantId: tenantOf(ctx)._id };
  const errors: Record<string, Message> = {};
  if (filters.event) query.event = { $regex: `^${escapeRegex(filters.event)}` };
  if (filters.account) query.accountId = filters.account;
  if (filters.staff) query.staffId = filters.staff;
  if (filters.request) query.requestId = filters.request;
  const at: Record<string, Date> = {};
  for (const [name, bound, next] of [
    ['from', '$gte', false],
    ['to', '$lt', true],
  ] as const) {
    if (!filters[name]) continue;
    const day = japanDay(filters[name], next);
    if (day) at[bound] = day;
    else errors[name] = message('form.date', { field: message(`console.audit.${name}`) });
  }
  if (Object.keys(at).length) query.at = at;
  return { filters, query, errors };
}

const who = (e: AuditEntry) =>
  e.accountId ? `account:${e.accountId}` : e.staffId ? `staff:${e.staffId}` : e.operator ? `operator:${e.operator}` : '';

/** GET /t/:tenant/staff/audit: the university's audit log, newest first, filtered (auditors and admins). */
export async function showAuditLog(ctx: Context): Promise<void> {
  const { filters, query, errors } = readFilters(ctx);
  const found = Object.keys(errors).length ? [] : await AuditModel.find(query).sort({ at: -1 }).limit(PAGE_LIMIT).lean();
  const lang = ctx.state.lang;
  const entries = found.map((e) => ({
    at: formatDateTime(e.at, lang),
    event: e.event,
    who: who(e),
    ip: e.ip ?? '',
    request: e.requestId ?? '',
    detail: e.detail ? JSON.stringify(e.detail) : '',
  }));
  const exportQuery = new URLSearchParams(Object.entries(filters).filter(([, value]) => value)).toString();
  render(
    ctx,
    'console-audit',
    { base: base(ctx), staff: ctx.state.staff, filters, errors, entries, exportQuery, limit: PAGE_LIMIT },
    Object.keys(errors).length ? 400 : 200,
  );
}

/** A CSV cell: quoted, and a leading = + - @ made plain text, so a spreadsheet never runs it as a formula. */
const cell = (value: string) => `"${(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value).replaceAll('"', '""')}"`;

/** GET /t/:tenant/staff/audit.csv: the same entries as a CSV file (UTF-8 with BOM, as Excel in Japan reads it). */
export async function exportAuditLog(ctx: Context): Promise<void> {
  const { query, errors } = readFilters(ctx);
  if (Object.keys(errors).length) return showAuditLog(ctx);
  const found = await AuditModel.find(query).sort({ at: -1 }).limit(EXPORT_LIMIT).lean();
  const header = ['at', 'event', 'account', 'staff', 'operator', 'ip', 'request', 'detail'];
  const rows = found.map((e) => [
    e.at.toISOString(),
    e.event,
    e.accountId ?? '',
    e.staffId ?? '',
    e.operator ?? '',
    e.ip ?? '',
    e.requestId ?? '',
    e.detail ? JSON.stringify(e.detail) : '',
  ]);
  ctx.set('Content-Disposition', `attachment; filename="audit-${tenantOf(ctx)._id}.csv"`);
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'text/csv; charset=utf-8';
  ctx.body = `\uFEFF${[header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}
