import type { Context } from 'koa';
import { audit } from '../db/audit.ts';
import { addressInUse } from '../db/identities.ts';
import { confirmedMailAddress, formField } from '../http/form.ts';
import { seeOther } from '../http/redirect.ts';
import { tenantOf } from '../http/state.ts';
import { tenantLoginUrl } from '../http/tenant.ts';
import { render } from '../http/views.ts';
import { enqueueMail } from '../mail/outbox.ts';
import type { PageDeps } from '../page-deps.ts';
import { issueToken } from '../security/one-time-token.ts';
import { base } from './context.ts';

/** Step 1, Mail address setting; "Back" (as in the manual) returns to the login the person came from. */
export function showMailAddress(ctx: Context, extra: Record<string, unknown> = {}, status = 200): void {
  const tenant = tenantOf(ctx);
  const page = { action: base(tenant), back: `/t/${tenant._id}/login`, values: {}, errors: {} };
  render(ctx, 'apply-email', { ...page, ...extra }, status);
}

/**
 * The page says the same whether or not the address is registered; only the address's owner learns,
 * by mail, that it is taken (the same work either way: no timing difference). Past the hourly
 * limits nothing is sent, and the page still says the same (no mail bombing).
 */
export function requestMail({ config, logger, throttle }: PageDeps) {
  return async function sendConfirmationMail(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    const values = { email: formField(ctx, 'email'), emailConfirm: formField(ctx, 'emailConfirm') };
    const { address, errors } = confirmedMailAddress(values, 'apply.email', 'apply.emailMismatch');
    if (!address) return showMailAddress(ctx, { values, errors }, 400);

    if (!(await throttle.allowMail(tenant._id, address, ctx.ip))) {
      await audit(logger, { event: 'apply.mail_throttled', tenant: tenant._id, ip: ctx.ip });
    } else {
      const { lang } = ctx.state;
      const minutes = config.application.urlMinutes;
      const registered = await addressInUse(tenant._id, address);
      const token = await issueToken({ purpose: 'apply', tenantId: tenant._id, email: address, lang, ttlMinutes: minutes });
      const mail: { template: string; values: Record<string, string> } = registered
        ? { template: 'alreadyRegistered', values: { url: tenantLoginUrl(tenant, config.issuer) } }
        : {
            template: 'verifyAddress',
            values: { url: `${config.issuer}${base(tenant)}/verify/${token}`, minutes: String(minutes) },
          };
      await enqueueMail({ tenantId: tenant._id, to: address, lang, ...mail });
    }
    await audit(logger, { event: 'apply.mail_requested', tenant: tenant._id, ip: ctx.ip });
    seeOther(ctx, `${base(tenant)}/sent`);
  };
}
