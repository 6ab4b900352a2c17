import nodemailer, { type Transporter } from 'nodemailer';
import { type Mail, MailModel } from '../db/models/mail.ts';
import type { Logger } from '../log.ts';

export interface MailWorkerSettings {
  smtpUrl: string;
  from: string;
  pollIntervalMs: number;
  retryBaseMs: number;
  maxAttempts: number;
  leaseMs: number;
}

/**
 * Sends the outbox. A mail is claimed by pushing its next attempt past a lease, so two workers (or
 * two instances) never send it at once; it is marked sent only after the SMTP server accepted it,
 * and failures back off exponentially. The Message-ID is the outbox id, so the rare resend after a
 * crash between "accepted" and "marked" is recognisable as the same message.
 */
export class MailWorker {
  private readonly transport: Transporter;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly settings: MailWorkerSettings;
  private readonly logger: Logger;

  constructor(settings: MailWorkerSettings, logger: Logger) {
    this.settings = settings;
    this.logger = logger;
    this.transport = nodemailer.createTransport(settings.smtpUrl, { from: settings.from });
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.drain()
        .catch((error) => this.logger.warn({ err: error }, 'mail worker pass failed'))
        .finally(() => this.schedule(this.settings.pollIntervalMs));
    }, delay);
  }

  private async claim(): Promise<Mail | null> {
    const now = new Date();
    return MailModel.findOneAndUpdate(
      { status: 'pending', nextAttemptAt: { $lte: now } },
      { $set: { nextAttemptAt: new Date(now.getTime() + this.settings.leaseMs) }, $inc: { attempts: 1 } },
      { sort: { nextAttemptAt: 1 }, returnDocument: 'after' },
    ).lean<Mail>();
  }

  /** Sends every due mail; resolves when none is left. */
  async drain(): Promise<void> {
    for (let mail = await this.claim(); mail && !this.stopped; mail = await this.claim()) {
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
      await MailModel.updateOne({ _id: mail._id }, { $set: { status: 'sent', sentAt: new Date() } });
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
            lastError: (error as Error).message.slice(0, 500),
          },
        },
      );
      this.logger.warn({ mail: mail._id.toString(), attempts, giveUp, err: (error as Error).message }, 'mail not sent');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    this.transport.close();
  }
}
