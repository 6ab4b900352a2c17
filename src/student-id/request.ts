import type { Context } from 'koa';
import type { Config } from '../config/schema.ts';
import { accountOf, tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { message } from '../i18n/index.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { issueToken } from '../security/one-time-token.ts';
import type { Throttle } from '../security/throttle.ts';

export const base = (ctx: Context) => `/t/${tenantOf(ctx)._id}/account/student-id`;

/** "Register additional student ID number": the notes and Send. */
export function showStart(ctx: Context, extra: Record<string, unknown> = {}, status = 200): void {
  render(ctx, 'student-id-start', { action: base(ctx), account: `/t/${tenantOf(ctx)._id}/account`, ...extra }, status);
}

/** Send: a one-time URL to the account's own address (a few per hour). */
export function mailFormLink(config: Config, throttle: Throttle) {
  return async function sendFormLink(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    const account = accountOf(ctx);
    const { lang } = ctx.state;
    if (!(await throttle.allowMail(tenant._id, account.email, ctx.ip))) {
      return showStart(ctx, { formError: message('throttle.tooMany') }, 429);
    }
    const minutes = config.application.urlMinutes;
    const token = await issueToken({
      purpose: 'student-id',
      tenantId: tenant._id,
      email: account.email,
      lang,
      ttlMinutes: minutes,
      ref: account._id.toString(),
    });
    const values = { url: `${config.issuer}${base(ctx)}/form/${token}`, minutes: String(minutes) };
    await enqueueMail({ tenantId: tenant._id, to: account.email, lang, template: 'studentIdLink', values });
    render(ctx, 'account-done', {
      base: `/t/${tenant._id}/account`,
      titleKey: 'account.emailSentTitle',
      messageKey: 'studentId.sent',
      minutes,
    });
  };
}
