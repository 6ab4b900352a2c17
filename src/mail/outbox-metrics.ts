import client from 'prom-client';
import { MailModel } from '../db/models/mail.ts';
import { registry } from '../metrics.ts';
import { oldestPendingMailAgeMs } from './outbox.ts';

/** The outbox as a scrape finds it: how many mails wait, and for how long the oldest has. */
export function registerOutboxMetrics(): void {
  if (registry.getSingleMetric('cert_idp_mail_outbox_pending')) return;
  new client.Gauge({
    name: 'cert_idp_mail_outbox_pending',
    help: 'Mails waiting to be sent',
    registers: [registry],
    async collect() {
      this.set(await MailModel.countDocuments({ status: 'pending' }));
    },
  });
  new client.Gauge({
    name: 'cert_idp_mail_outbox_oldest_seconds',
    help: 'Age of the oldest mail waiting to be sent (0 when none waits)',
    registers: [registry],
    async collect() {
      this.set((await oldestPendingMailAgeMs()) / 1000);
    },
  });
}
