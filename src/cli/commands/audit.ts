import { auditSubject, readAudit } from '../../db/audit.ts';
import { type CommandGroup, options, s, UsageError } from '../options.ts';

/** audit list: the latest security events, newest first. */
export const auditCommands: CommandGroup = {
  async list(args) {
    const o = options(args, { tenant: s, event: s, limit: s, request: s });
    const limit = o.str('limit') ? Number(o.str('limit')) : 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
      throw new UsageError('--limit must be a whole number from 1 to 10000');
    const query = { tenantId: o.str('tenant'), eventPrefix: o.str('event'), requestId: o.str('request') };
    for (const e of await readAudit(query, limit)) {
      const detail = JSON.stringify(e.detail ?? {});
      console.log(
        [e.at.toISOString(), e.event, e.tenantId ?? '-', auditSubject(e) || '-', e.ip ?? '-', detail, e.requestId ?? '-'].join(
          '\t',
        ),
      );
    }
  },
};
