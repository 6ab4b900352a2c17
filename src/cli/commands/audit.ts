import { AuditModel } from '../../db/models/audit.ts';
import { escapeRegex } from '../../db/regex.ts';
import { type CommandGroup, options, s, UsageError } from '../options.ts';

type Entry = { accountId?: string | null; staffId?: string | null; operator?: string | null };
const who = (e: Entry) =>
  e.accountId ? `account:${e.accountId}` : e.staffId ? `staff:${e.staffId}` : e.operator ? `operator:${e.operator}` : '-';

/** audit list: the latest security events, newest first. */
export const auditCommands: CommandGroup = {
  async list(args) {
    const o = options(args, { tenant: s, event: s, limit: s, request: s });
    const limit = o.str('limit') ? Number(o.str('limit')) : 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
      throw new UsageError('--limit must be a whole number from 1 to 10000');
    const filter: Record<string, unknown> = {};
    if (o.str('tenant')) filter.tenantId = o.str('tenant');
    if (o.str('event')) filter.event = { $regex: `^${escapeRegex(o.str('event'))}` };
    if (o.str('request')) filter.requestId = o.str('request');
    for (const e of await AuditModel.find(filter).sort({ at: -1 }).limit(limit).lean()) {
      const detail = JSON.stringify(e.detail ?? {});
      console.log([e.at.toISOString(), e.event, e.tenantId ?? '-', who(e), e.ip ?? '-', detail, e.requestId ?? '-'].join('\t'));
    }
  },
};
