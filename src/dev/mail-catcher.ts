import Router from '@koa/router';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { portAnswers } from '../db/embedded.ts';
import { render } from '../http/views.ts';

interface CaughtMail {
  at: Date;
  to: string;
  subject: string;
  text: string;
}

/**
 * Development only: when nothing listens on the configured SMTP port, catch the mail ourselves and
 * show it at /dev/mail, so the demo's one-time URLs and initial passwords can be read with no setup.
 */
export async function startMailCatcher(smtpUrl: string): Promise<{ routes: Router; stop: () => Promise<void> } | undefined> {
  const url = new URL(smtpUrl);
  if (!['127.0.0.1', 'localhost'].includes(url.hostname) || (await portAnswers(Number(url.port || 25)))) return undefined;
  const caught: CaughtMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const to = [mail.to ?? []]
            .flat()
            .map((a) => a.text)
            .join(', ');
          caught.unshift({ at: new Date(), to, subject: mail.subject ?? '', text: mail.text ?? '' });
          caught.length = Math.min(caught.length, 100);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((done) => server.listen(Number(url.port || 25), '127.0.0.1', () => done()));
  const routes = new Router();
  routes.get('/dev/mail', (ctx) => render(ctx, 'dev-mail', { mails: caught }));
  return { routes, stop: () => new Promise<void>((done) => server.close(() => done())) };
}
