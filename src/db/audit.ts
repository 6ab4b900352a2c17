import mongoose from 'mongoose';
import { currentRequestId, type Logger } from '../log.ts';
import { withoutControlCharacters } from '../text/control-characters.ts';
import { AuditModel } from './models/audit.ts';

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
