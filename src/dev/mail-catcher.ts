import Router from '@koa/router';
import { portAnswers } from '../db/embedded.ts';
import { render } from '../http/views.ts';
import { listenForMail, recipients } from './smtp-collector.ts';

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
  const server = await listenForMail(Number(url.port || 25), (mail) => {
    caught.unshift({ at: new Date(), to: recipients(mail), subject: mail.subject ?? '', text: mail.text ?? '' });
    caught.length = Math.min(caught.length, 100);
  });
  const routes = new Router();
  routes.get('/dev/mail', (ctx) => render(ctx, 'dev-mail', { mails: caught }));
  return { routes, stop: () => new Promise<void>((done) => server.close(() => done())) };
}
