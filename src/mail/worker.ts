import nodemailer, { type Transporter } from 'nodemailer';
import { claimOnce } from '../db/claim.ts';
import { type Mail, MailModel } from '../db/models/mail.ts';
import { messageOf } from '../errors.ts';
import type { Logger } from '../log.ts';
import { type NotSentNow, type OutgoingMail, sendWrittenMailHere } from './outbox.ts';
import { SentMail } from './sent-mail.ts';

export interface MailWorkerSettings {
  smtpUrl: string;
  from: string;
  pollIntervalMs: number;
  retryBaseMs: number;
  maxAttempts: number;
  leaseMs: number;
  sendAtOnce?: boolean;
  /** How long a request waits for the SMTP server to take a notice (sendNotice) before the outbox keeps it. */
  noticeWaitMs?: number;
}

const CLAIM_KEEP_MS = 7 * 24 * 3600 * 1000;
/** After the SMTP server refused or kept a request waiting, notices go straight to the outbox for this long. */
const SEND_NOW_PAUSE_MS = 60_000;

/** The message the SMTP server gets: the outbox id as Message-ID, so a resend is recognisable as the same mail. */
const message = (mail: OutgoingMail) => ({
  to: mail.to,
  subject: mail.subject,
  text: mail.text,
  messageId: `<${mail._id.toString()}@cert-idp>`,
});

/**
 * Sends the outbox. Each attempt at a mail is claimed once (src/db/claim.ts), so two workers or two
 * instances never send it at once; the winner pushes the next attempt past a lease, deletes the mail
 * only after the SMTP server accepted it (src/mail/sent-mail.ts), and backs off exponentially on
 * failure. The Message-ID is the outbox id, so the rare resend after a crash between "accepted" and
 * "deleted" is recognisable as the same message.
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
  /** Until then, sendNow leaves notices to the outbox (the SMTP server failed a request's wait). */
  private sendNowPausedUntil = 0;

  constructor(settings: MailWorkerSettings, logger: Logger) {
    this.settings = settings;
    this.logger = logger;
    this.sent = new SentMail(settings.leaseMs, logger);
    // Pooled: a mail goes over a connection already open and greeted (1.6 ms to the test sink instead of
    // 105 for connecting, the server's reverse lookup and the greeting), which a notice sent before the
    // request answers needs; up to five at once, each closed after four idle minutes.
    this.transport = nodemailer.createTransport({ url: settings.smtpUrl, pool: true }, { from: settings.from });
  }

  start(): void {
    this.stopped = false;
    if (this.settings.sendAtOnce) {
      sendWrittenMailHere({
        leaseMs: this.settings.leaseMs,
        send: (mail) => this.track(this.send(mail).catch((error) => this.logger.warn({ err: error }, 'mail not sent at once'))),
        sendNow: (mail) => this.sendNow(mail),
      });
    }
    this.schedule(0);
  }

  /** Work that stop() waits for. */
  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }

  /**
   * A notice a request is about to answer for (src/mail/outbox.ts sendNotice): sent now, or why not.
   * One the server has not taken within `noticeWaitMs` may still arrive: it is kept leased (no worker
   * sends it before the lease runs out) and leaves the outbox if it does.
   */
  private async sendNow(mail: OutgoingMail): Promise<NotSentNow | undefined> {
    const now = Date.now();
    if (now < this.sendNowPausedUntil) return { attempts: 0, nextAttemptAt: new Date(now) };
    const sending = this.transport.sendMail(message(mail)).then(() => 'sent' as const);
    this.track(sending.catch(() => undefined));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((done) => {
      timer = setTimeout(() => done('late'), this.settings.noticeWaitMs ?? 2000);
    });
    const outcome = await Promise.race([sending, late]).catch((error: unknown) => error);
    clearTimeout(timer);
    if (outcome === 'sent') return undefined;
    this.sendNowPausedUntil = Date.now() + SEND_NOW_PAUSE_MS;
    if (outcome === 'late') {
      sending.then(() => this.sent.add(mail._id)).catch(() => undefined);
      this.logger.warn({ mail: mail._id.toString() }, 'SMTP server slow: notice kept in the outbox');
      return { attempts: 1, nextAttemptAt: new Date(Date.now() + this.settings.leaseMs) };
    }
    this.logger.warn({ mail: mail._id.toString(), err: messageOf(outcome) }, 'notice not sent: kept in the outbox');
    return {
      attempts: 1,
      nextAttemptAt: new Date(Date.now() + this.settings.retryBaseMs),
      lastError: messageOf(outcome).slice(0, 500),
    };
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
      await this.transport.sendMail(message(mail));
      this.sendNowPausedUntil = 0;
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
