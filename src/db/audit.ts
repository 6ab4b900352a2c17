import mongoose from 'mongoose';
import { currentRequestId, type Logger } from '../log.ts';
import { withoutControlCharacters } from '../text/control-characters.ts';
import { type AuditEntry, AuditModel } from './models/audit.ts';
import { escapeRegex } from './regex.ts';

export interface AuditFields {
  event: string;
  tenant?: string;
  account?: string;
  staff?: string;
  operator?: string;
  application?: string;
  ip?: string;
  [detail: string]: string | number | boolean | undefined;
}

/**
 * A security event (logins and failures, credential changes, resets, staff decisions, operator
 * commands): kept in the audit collection whatever the log level, and logged (at `level`: warn for
 * what an operator must act on). Callers pass no
 * secrets; details are plain values only.
 */
export async function audit(
  logger: Logger,
  fields: AuditFields,
  message?: string,
  level: 'info' | 'warn' = 'info',
): Promise<void> {
  logger[level](fields, message ?? fields.event);
  if (mongoose.connection.readyState !== 1) return;
  const { event, tenant, account, staff, operator, application, ip, ...rest } = fields;
  // Details may carry what a client sent (a user agent, a refused value): never a control character.
  const detail = Object.fromEntries(
    Object.entries(rest)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name, typeof value === 'string' ? withoutControlCharacters(value) : value]),
  );
  await AuditModel.create({
    at: new Date(),
    event,
    tenantId: tenant,
    accountId: account,
    staffId: staff,
    operator,
    applicationId: application,
    ip,
    requestId: currentRequestId(),
    detail,
  }).catch((error) => logger.warn({ err: error }, 'audit entry not written'));
}

/** What the audit log is read by (the operator's `audit list`, the console's audit log); all optional. */
export interface AuditQuery {
  tenantId?: string;
  /** The beginning of the event name (`login.` finds every login event). */
  eventPrefix?: string;
  accountId?: string;
  staffId?: string;
  requestId?: string;
  from?: Date;
  /** The first instant no longer wanted. */
  until?: Date;
}

/** The entries an AuditQuery asks for, newest first (the tenant-and-time index serves it). */
export function readAudit(query: AuditQuery, limit: number): Promise<AuditEntry[]> {
  const filter: Record<string, unknown> = {};
  if (query.tenantId) filter.tenantId = query.tenantId;
  if (query.eventPrefix) filter.event = { $regex: `^${escapeRegex(query.eventPrefix)}` };
  if (query.accountId) filter.accountId = query.accountId;
  if (query.staffId) filter.staffId = query.staffId;
  if (query.requestId) filter.requestId = query.requestId;
  if (query.from || query.until)
    filter.at = { ...(query.from ? { $gte: query.from } : {}), ...(query.until ? { $lt: query.until } : {}) };
  return AuditModel.find(filter).sort({ at: -1 }).limit(limit).lean<AuditEntry[]>().exec();
}

/** Who an entry is about, as one word: `account:<id>`, `staff:<id>` or `operator:<name>`; empty for none. */
export const auditSubject = (entry: Pick<AuditEntry, 'accountId' | 'staffId' | 'operator'>): string =>
  entry.accountId
    ? `account:${entry.accountId}`
    : entry.staffId
      ? `staff:${entry.staffId}`
      : entry.operator
        ? `operator:${entry.operator}`
        : '';
