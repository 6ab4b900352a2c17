import type mongoose from 'mongoose';
import { MailModel } from '../db/models/mail.ts';
import { messageOf } from '../errors.ts';
import type { Logger } from '../log.ts';

/** How long a sent mail may wait for others to leave the outbox with, and how many leave in one command. */
const SENT_MAIL_WAIT_MS = 250;
const SENT_MAIL_BATCH = 50;

/**
 * Mails the SMTP server accepted leave the outbox together: one delete command (a statement per mail)
 * for those sent within a quarter of a second, which costs the embedded database 0.25 ms a mail
 * instead of 0.63 at a login rush's pace (bench/results.md). A process that dies meanwhile leaves them
 * pending under their lease; another worker then sends them again, with the same Message-ID. The wait
 * stays well inside the lease, so no worker takes a sent mail for one to send.
 */
export class SentMail {
  private ids: mongoose.Types.ObjectId[] = [];
  private timer: NodeJS.Timeout | undefined;
  private deleting: Promise<void> = Promise.resolve();
  private readonly logger: Logger;
  private readonly waitMs: number;

  constructor(leaseMs: number, logger: Logger) {
    this.logger = logger;
    this.waitMs = Math.min(SENT_MAIL_WAIT_MS, leaseMs / 4);
  }

  add(id: mongoose.Types.ObjectId): void {
    this.ids.push(id);
    if (this.ids.length >= SENT_MAIL_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.waitMs);
  }

  /** Deletes what was sent so far; resolves once every delete begun until now has ended. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const ids = this.ids.splice(0);
    if (ids.length > 0) {
      const statements = ids.map((_id) => ({ deleteOne: { filter: { _id } } }));
      this.deleting = this.deleting
        .then(() => MailModel.bulkWrite(statements, { ordered: false }))
        .then(
          () => undefined,
          (error) => this.logger.warn({ err: messageOf(error), mails: ids.length }, 'sent mail not deleted'),
        );
    }
    return this.deleting;
  }
}
