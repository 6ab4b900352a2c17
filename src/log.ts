import mongoose from 'mongoose';
import { pino } from 'pino';
import { AuditModel } from './db/models/audit.ts';

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'cert-idp' },
    redact: { paths: ['*.password', '*.secondPassword', '*.secret', 'req.headers.cookie', 'req.headers.authorization'] },
  });
}

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
 * commands): kept in the audit collection whatever the log level, and logged. Callers pass no
 * secrets; details are plain values only.
 */
export async function audit(logger: Logger, fields: AuditFields, message?: string): Promise<void> {
  logger.info(fields, message ?? fields.event);
  if (mongoose.connection.readyState !== 1) return;
  const { event, tenant, account, staff, operator, application, ip, ...rest } = fields;
  const detail = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  await AuditModel.create({
    at: new Date(),
    event,
    tenantId: tenant,
    accountId: account,
    staffId: staff,
    operator,
    applicationId: application,
    ip,
    detail,
  }).catch((error) => logger.warn({ err: error }, 'audit entry not written'));
}
