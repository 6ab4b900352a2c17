import { requireTenant } from '../../admin/tenants.ts';
import { redactUri } from '../../db/connection.ts';
import { isLang } from '../../i18n/index.ts';
import { createLogger } from '../../log.ts';
import { enqueueMail } from '../../mail/outbox.ts';
import { MailWorker } from '../../mail/worker.ts';
import { type CommandGroup, options, s, UsageError } from '../options.ts';

/** mail test: a test mail, delivered at once so the operator sees whether SMTP works. */
export const mailCommands: CommandGroup = {
  async test(args, config) {
    const o = options(args, { tenant: s, to: s, lang: s }, ['tenant', 'to']);
    const lang = o.str('lang') || 'ja';
    if (!isLang(lang)) throw new UsageError('--lang must be ja or en');
    await requireTenant(o.str('tenant'));
    await enqueueMail({ tenantId: o.str('tenant'), to: o.str('to'), lang, template: 'test' });
    // A failure leaves it queued for the service.
    const worker = new MailWorker({ ...config.mail, maxAttempts: Number.MAX_SAFE_INTEGER }, createLogger('error'));
    await worker.drain();
    await worker.stop();
    console.log(`test mail to ${o.str('to')} queued and handed to ${redactUri(config.mail.smtpUrl)}`);
  },
};
