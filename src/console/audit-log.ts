import type { Context } from 'koa';
import { type AuditQuery, auditSubject, readAudit } from '../db/audit.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { formatZonedDateTime, type Message, message } from '../i18n/index.ts';
import { base } from '../review/context.ts';
import { typedDay } from '../text/typed-date.ts';

/** Entries a page shows; an export holds up to EXPORT_LIMIT. */
const PAGE_LIMIT = 100;
const EXPORT_LIMIT = 10_000;
const FILTERS = ['event', 'account', 'staff', 'request', 'from', 'to'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/** A day as typed in the filter (2026/04/01, 2026-04-01, …), as the instant it begins in Japan (or the next day's). */
function japanDay(typed: string, next = false): Date | undefined {
  const day = typedDay(typed);
  if (!day) return undefined;
  const start = new Date(`${day}T00:00:00+09:00`);
  return next ? new Date(start.getTime() + 86_400_000) : start;
}

/** The query of the filters, on the university's own entries only; the messages of the filters that are wrong. */
function readFilters(ctx: Context): { filters: Filters; query: AuditQuery; errors: Record<string, Message> } {
  const filters = Object.fromEntries(
    FILTERS.map((name) => [name, typeof ctx.query[name] === 'string' ? (ctx.query[name] as string).trim().slice(0, 200) : '']),
  ) as Filters;
  const errors: Record<string, Message> = {};
  const day = (name: 'from' | 'to') => {
    if (!filters[name]) return undefined;
    const at = japanDay(filters[name], name === 'to');
    if (!at) errors[name] = message('form.date', { field: message(`console.audit.${name}`) });
    return at;
  };
  const query: AuditQuery = {
    tenantId: tenantOf(ctx)._id,
    eventPrefix: filters.event,
    accountId: filters.account,
    staffId: filters.staff,
    requestId: filters.request,
    from: day('from'),
    until: day('to'),
  };
  return { filters, query, errors };
}

/** GET /t/:tenant/staff/audit: the university's audit log, newest first, filtered (auditors and admins). */
export async function showAuditLog(ctx: Context): Promise<void> {
  const { filters, query, errors } = readFilters(ctx);
  const found = Object.keys(errors).length ? [] : await readAudit(query, PAGE_LIMIT);
  const lang = ctx.state.lang;
  const entries = found.map((e) => ({
    at: formatZonedDateTime(e.at, lang),
    event: e.event,
    who: auditSubject(e),
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
  const found = await readAudit(query, EXPORT_LIMIT);
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
