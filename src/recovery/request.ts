import type { Context } from 'koa';
import type { Config } from '../config/schema.ts';
import { audit } from '../db/audit.ts';
import { accountIdAt } from '../db/identities.ts';
import { formField, mailAddressField } from '../http/form.ts';
import { seeOther } from '../http/redirect.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import type { Lang } from '../i18n/index.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { issueToken } from '../security/one-time-token.ts';
import { base, kindPath, type RecoveryDeps } from './context.ts';
import type { ResetKind } from './kinds.ts';

/** The request page: the mail address of the account. */
export function showRequest(kind: ResetKind) {
  return function resetRequest(ctx: Context, extra: Record<string, unknown> = {}, status = 200): void {
    const page = { action: base(ctx, kind), ...kind.requestText, values: {}, errors: {} };
    render(ctx, 'reset-request', { ...page, ...extra }, status);
  };
}

/**
 * Writes a one-time URL of the kind for `address` and queues its mail in `lang`; for no account
 * (`accountId` undefined) the mail is withheld, never sent. Also what the helpdesk sends (src/console/).
 */
export async function mailResetLink(
  config: Config,
  kind: ResetKind,
  to: { tenantId: string; address: string; lang: Lang; accountId: string | undefined },
): Promise<void> {
  const minutes = config.application.urlMinutes;
  const { tenantId, address, lang, accountId } = to;
  const token = await issueToken({ purpose: kind.purpose, tenantId, email: address, lang, ttlMinutes: minutes, ref: accountId });
  const url = `${config.issuer}${kindPath(tenantId, kind)}/${token}`;
  const mail = { template: kind.template, values: { url, minutes: String(minutes) }, withheld: !accountId };
  await enqueueMail({ tenantId, to: address, lang, ...mail });
}

/**
 * The same work whether or not the address is registered, so that neither the answer nor its
 * timing tells: a token and a mail are written either way; for an unknown address the mail is
 * withheld (never sent) and the token, bound to no account, is never seen by anyone.
 */
export function requestReset({ config, logger, throttle, kind }: RecoveryDeps) {
  const again = showRequest(kind);
  return async function resetRequested(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    const email = formField(ctx, 'email');
    const { address, error } = mailAddressField(email, 'login.email');
    if (!address) return again(ctx, { values: { email }, errors: { email: error } }, 400);
    // A student's address counts once it is confirmed (before that it is a placeholder).
    const confirmed = kind.accountKind === 'student' ? { emailVerified: true } : {};
    const accountId = await accountIdAt(tenant._id, address, { kind: kind.accountKind, ...confirmed });
    if (await throttle.allowMail(tenant._id, address, ctx.ip)) {
      await mailResetLink(config, kind, { tenantId: tenant._id, address, lang: ctx.state.lang, accountId });
    }
    await audit(logger, { event: kind.events.requested, tenant: tenant._id, ip: ctx.ip });
    seeOther(ctx, `${base(ctx, kind)}/sent`);
  };
}
