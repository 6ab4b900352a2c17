import { findTenant } from '../db/lookups.ts';
import { type Mail, MailModel } from '../db/models/mail.ts';
import { tenantBranding } from '../db/models/tenant.ts';
import { type Lang, translator } from '../i18n/index.ts';

/** The mail worker of this process, when it runs one: it sends what this process writes at once. */
let localWorker: { leaseMs: number; send(mail: Mail): void } | undefined;

/** Called by the worker as it starts (and with undefined as it stops). */
export function sendWrittenMailHere(worker: typeof localWorker): void {
  localWorker = worker;
}

/**
 * Writes a mail to the outbox in the recipient's language, with the tenant's send-only footer.
 * `template` names a key under `mail.` in the bundles holding `subject` and `body`. A `withheld`
 * mail is written and never sent: a form that must not reveal whether an address is registered
 * does the same work either way.
 */
export async function enqueueMail(options: {
  tenantId: string;
  to: string;
  lang: Lang;
  template: string;
  values?: Record<string, string>;
  withheld?: boolean;
  /** Held until then (a decision the reviewer may still undo); sent as soon as possible otherwise. */
  notBefore?: Date;
}): Promise<string> {
  const tenant = await findTenant(options.tenantId);
  if (!tenant) throw new Error(`unknown tenant ${options.tenantId}`);
  const t = translator(options.lang);
  const branding = tenantBranding(tenant, options.lang);
  const values = { university: branding.university, ...options.values };
  const subject = t(`mail.${options.template}.subject`, values);
  const body = t(`mail.${options.template}.body`, values);
  const footer = t('mail.footer', { inquiry: branding.inquiry });
  // A mail due now is written already leased to this process's worker, which sends it at once: no
  // poll, find and lease for it (two database commands a mail instead of five). Should this process
  // die first, the lease runs out and any worker sends it as its second attempt.
  const here = !options.withheld && !options.notBefore ? localWorker : undefined;
  const mail = await MailModel.create({
    tenantId: tenant._id,
    to: options.to,
    subject,
    text: `${body}\n\n${footer}\n`,
    status: options.withheld ? 'withheld' : 'pending',
    ...(options.notBefore ? { nextAttemptAt: options.notBefore } : {}),
    ...(here ? { attempts: 1, nextAttemptAt: new Date(Date.now() + here.leaseMs) } : {}),
  });
  here?.send(mail.toObject() as Mail);
  return mail._id.toString();
}

/** Milliseconds since the oldest mail still waiting to be sent was written; 0 when none waits. */
export async function oldestPendingMailAgeMs(): Promise<number> {
  const oldest = await MailModel.findOne({ status: 'pending' }, { createdAt: 1 })
    .sort({ nextAttemptAt: 1 })
    .lean<{ createdAt?: Date }>();
  return oldest?.createdAt ? Date.now() - oldest.createdAt.getTime() : 0;
}

/** Cancels a held mail no worker has picked up yet; false when it is already on its way (or gone). */
export async function cancelHeldMail(id: string): Promise<boolean> {
  const { modifiedCount } = await MailModel.updateOne(
    { _id: id, status: 'pending', attempts: 0 },
    { $set: { status: 'cancelled' } },
  );
  return modifiedCount === 1;
}
