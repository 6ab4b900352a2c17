import mongoose from 'mongoose';
import { findTenant } from '../db/lookups.ts';
import { type Mail, MailModel } from '../db/models/mail.ts';
import { tenantBranding } from '../db/models/tenant.ts';
import { type Lang, translator } from '../i18n/index.ts';

/** A mail as the SMTP server gets it; its id is its outbox id and its Message-ID. */
export type OutgoingMail = Pick<Mail, '_id' | 'to' | 'subject' | 'text'>;

/** Why a mail handed to the worker now was not sent, and when the outbox may try it. */
export interface NotSentNow {
  attempts: number;
  nextAttemptAt: Date;
  lastError?: string;
}

/** The mail worker of this process, when it runs one. */
let localWorker:
  | {
      leaseMs: number;
      /** Sends a mail just written and leased to this worker, beside the polling. */
      send(mail: Mail): void;
      /** Hands a mail to the SMTP server now: undefined once it took it. */
      sendNow(mail: OutgoingMail): Promise<NotSentNow | undefined>;
    }
  | undefined;

/** Called by the worker as it starts (and with undefined as it stops). */
export function sendWrittenMailHere(worker: typeof localWorker): void {
  localWorker = worker;
}

/** How long after writing a mail its process's worker sends it: after the request has answered. */
const SEND_AFTER_ANSWER_MS = 250;

interface MailOptions {
  tenantId: string;
  to: string;
  lang: Lang;
  template: string;
  values?: Record<string, string>;
}

/** A mail in the recipient's language, with the tenant's send-only footer; `template` names a key under `mail.`. */
async function compose(options: MailOptions) {
  const tenant = await findTenant(options.tenantId);
  if (!tenant) throw new Error(`unknown tenant ${options.tenantId}`);
  const t = translator(options.lang);
  const branding = tenantBranding(tenant, options.lang);
  const values = { university: branding.university, ...options.values };
  const body = t(`mail.${options.template}.body`, values);
  const footer = t('mail.footer', { inquiry: branding.inquiry });
  return {
    tenantId: tenant._id,
    to: options.to,
    subject: t(`mail.${options.template}.subject`, values),
    text: `${body}\n\n${footer}\n`,
  };
}

/**
 * Writes a mail to the outbox. A `withheld` mail is written and never sent: a form that must not
 * reveal whether an address is registered does the same work either way.
 */
export async function enqueueMail(
  options: MailOptions & {
    withheld?: boolean;
    /** Held until then (a decision the reviewer may still undo); sent as soon as possible otherwise. */
    notBefore?: Date;
  },
): Promise<string> {
  // A mail due now is written already leased to this process's worker, which sends it as soon as the
  // request has answered: no poll, find and lease for it. Should this process die first, the lease
  // runs out and any worker sends it as its second attempt.
  const here = !options.withheld && !options.notBefore ? localWorker : undefined;
  const mail = await MailModel.create({
    ...(await compose(options)),
    status: options.withheld ? 'withheld' : 'pending',
    ...(options.notBefore ? { nextAttemptAt: options.notBefore } : {}),
    ...(here ? { attempts: 1, nextAttemptAt: new Date(Date.now() + here.leaseMs) } : {}),
  });
  if (here) {
    const written = mail.toObject() as Mail;
    // Sent once the request that wrote it has answered: the sending does not show in that request's
    // time, so a form answers a registered address (mail sent) and an unregistered one (withheld)
    // alike (bench/results.md, "forgotten-password request"). A worker stopped meanwhile leaves it to
    // the lease.
    setTimeout(() => localWorker === here && here.send(written), SEND_AFTER_ANSWER_MS).unref();
  }
  return mail._id.toString();
}

/**
 * Sends a notice of what the person just did (src/mail/notices.ts) before the request answers: the
 * SMTP server takes it, or it is written to the outbox for the worker to send later (no worker in this
 * process, the server refused it or did not take it in time). Either way it is in the server's hands
 * or in the outbox before the person sees the next page, as with enqueueMail, and a login from a new
 * browser costs the database nothing for its notice. Not for a mail whose work must look the same
 * whether or not an address is registered: those go through enqueueMail.
 */
export async function sendNotice(options: MailOptions): Promise<string> {
  const mail = { _id: new mongoose.Types.ObjectId(), ...(await compose(options)) };
  const notSent = localWorker ? await localWorker.sendNow(mail) : { attempts: 0, nextAttemptAt: new Date() };
  if (notSent) await MailModel.create({ ...mail, status: 'pending', ...notSent });
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
