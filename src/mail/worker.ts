import nodemailer, { type Transporter } from 'nodemailer';
import { claimOnce } from '../db/claim.ts';
import { type Mail, MailModel } from '../db/models/mail.ts';
import { messageOf } from '../errors.ts';
import type { Logger } from '../log.ts';
import { sendWrittenMailHere } from './outbox.ts';
import { SentMail } from './sent-mail.ts';

export interface MailWorkerSettings {
  smtpUrl: string;
  from: string;
  pollIntervalMs: number;
  retryBaseMs: number;
  maxAttempts: number;
  leaseMs: number;
  sendAtOnce?: boolean;
}

const CLAIM_KEEP_MS = 7 * 24 * 3600 * 1000;

/**
 * Sends the outbox. Each attempt at a mail is claimed once (src/db/claim.ts), so two workers or two
 * instances never send it at once; the winner pushes the next attempt past a lease, deletes the mail
 * only after the SMTP server accepted it (src/mail/sent-mail.ts), and backs off exponentially on failure. The Message-ID is
 * the outbox id, so the rare resend after a crash between "accepted" and "deleted" is recognisable as
 * the same message.
 */
export class MailWorker {
  private readonly transport: Transporter;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly settings: MailWorkerSettings;
  private readonly logger: Logger;
  private readonly sent: SentMail;

  constructor(settings: MailWorkerSettings, logger: Logger) {
    this.settings = settings;
    this.logger = logger;
    this.sent = new SentMail(settings.leaseMs, logger);
    this.transport = nodemailer.createTransport(settings.smtpUrl, { from: settings.from });
  }

  start(): void {
    this.stopped = false;
    if (this.settings.sendAtOnce) sendWrittenMailHere({ leaseMs: this.settings.leaseMs, send: (mail) => this.sendAtOnce(mail) });
    this.schedule(0);
  }

  /** A mail this process just wrote, leased to this worker (src/mail/outbox.ts): sent now, beside the polling. */
  private sendAtOnce(mail: Mail): void {
    const sending = this.send(mail).catch((error) => this.logger.warn({ err: error }, 'mail not sent at once'));
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.drain()
        .catch((error) => this.logger.warn({ err: error }, 'mail worker pass failed'))
        .finally(() => this.schedule(this.settings.pollIntervalMs));
    }, delay);
  }

  /** The next due mail this worker won, with its attempt counted; undefined when none is due. */
  private async claim(lost: Set<string>): Promise<Mail | undefined> {
    for (;;) {
      const now = new Date();
      const mail = await MailModel.findOne({ status: 'pending', nextAttemptAt: { $lte: now }, _id: { $nin: [...lost] } })
        .sort({ nextAttemptAt: 1 })
        .lean<Mail>();
      if (!mail) return undefined;
      const attempt = (mail.attempts ?? 0) + 1;
      if (!(await claimOnce(`mail:${mail._id}:${attempt}`, CLAIM_KEEP_MS))) {
        lost.add(mail._id.toString());
        continue;
      }
      const lease = new Date(now.getTime() + this.settings.leaseMs);
      // Still pending: a held mail cancelled meanwhile (a decision undone) is not sent.
      const taken = await MailModel.updateOne(
        { _id: mail._id, status: 'pending' },
        { $set: { attempts: attempt, nextAttemptAt: lease } },
      );
      if (taken.modifiedCount === 0) {
        lost.add(mail._id.toString());
        continue;
      }
      return { ...mail, attempts: attempt };
    }
  }

  /** Sends every due mail; resolves when none is left. */
  async drain(): Promise<void> {
    const lost = new Set<string>();
    for (let mail = await this.claim(lost); mail && !this.stopped; mail = await this.claim(lost)) {
      await this.send(mail);
    }
  }

  private async send(mail: Mail): Promise<void> {
    try {
      await this.transport.sendMail({
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        messageId: `<${mail._id.toString()}@cert-idp>`,
      });
      // Sent mail leaves the outbox: its one-time links are not kept at rest, and the outbox stays the
      // size of what is still to send.
      this.sent.add(mail._id);
    } catch (error) {
      const attempts = mail.attempts ?? 1;
      const giveUp = attempts >= this.settings.maxAttempts;
      const delay = Math.min(this.settings.retryBaseMs * 2 ** (attempts - 1), 3_600_000);
      await MailModel.updateOne(
        { _id: mail._id },
        {
          $set: {
            status: giveUp ? 'failed' : 'pending',
            nextAttemptAt: new Date(Date.now() + delay),
            lastError: messageOf(error).slice(0, 500),
          },
        },
      );
      this.logger.warn({ mail: mail._id.toString(), attempts, giveUp, err: messageOf(error) }, 'mail not sent');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    sendWrittenMailHere(undefined);
    clearTimeout(this.timer);
    await Promise.all([this.running, ...this.inFlight]);
    await this.sent.flush();
    this.transport.close();
  }
}
