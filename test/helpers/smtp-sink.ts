import type { ParsedMail } from 'mailparser';
import { listenForMail, recipients } from '../../src/dev/smtp-collector.ts';

export { recipients };

export interface SmtpSink {
  port: number;
  url: string;
  messages: ParsedMail[];
  /** Resolves with the first message (already received or still to come) that matches. */
  waitFor(match: (mail: ParsedMail) => boolean, timeoutMs?: number): Promise<ParsedMail>;
  stop(): Promise<void>;
}

/** A real SMTP server on loopback that keeps what it receives, parsed. */
export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const messages: ParsedMail[] = [];
  const listeners = new Set<() => void>();
  const server = await listenForMail(port, (mail) => {
    messages.push(mail);
    for (const listener of listeners) listener();
  });
  const bound = (server.server.address() as { port: number }).port;
  return {
    port: bound,
    url: `smtp://127.0.0.1:${bound}`,
    messages,
    waitFor(match, timeoutMs = 15_000) {
      return new Promise((done, fail) => {
        const check = () => {
          const found = messages.find(match);
          if (!found) return;
          clearTimeout(timer);
          listeners.delete(check);
          done(found);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          fail(new Error(`no matching mail within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    stop: () => new Promise<void>((done) => server.close(() => done())),
  };
}
