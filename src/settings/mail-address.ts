import type { Context } from 'koa';
import { audit } from '../db/audit.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import { addressInUse, changeAddress, findAccount } from '../db/identities.ts';
import { ServiceError } from '../errors.ts';
import { confirmedMailAddress, formField } from '../http/form.ts';
import { accountOf, tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { message } from '../i18n/index.ts';
import { notify } from '../mail/notices.ts';
import { enqueueMail } from '../mail/outbox.ts';
import type { PageDeps } from '../page-deps.ts';
import { checkToken, consumeToken, issueToken, type LinkProblem, showLinkProblem } from '../security/one-time-token.ts';
import { base } from './context.ts';

/** Requirement G4 (b): the new mail address, typed twice. */
export function showMailForm(ctx: Context, extra: Record<string, unknown> = {}, status = 200): void {
  const page = { base: base(ctx), action: `${base(ctx)}/email`, current: accountOf(ctx).email, values: {}, errors: {} };
  render(ctx, 'account-email', { ...page, ...extra }, status);
}

/** Refused when it is the current one or another account's; confirmed by a one-time URL sent to it. */
export function requestChange({ config, throttle }: PageDeps) {
  return async function mailConfirmation(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    const account = accountOf(ctx);
    const values = { email: formField(ctx, 'email'), emailConfirm: formField(ctx, 'emailConfirm') };
    const { address, errors } = confirmedMailAddress(values, 'account.newEmail', 'apply.emailMismatch');
    if (address === account.email) errors.email = message('account.sameEmail');
    else if (address && (await addressInUse(tenant._id, address))) errors.email = message('account.emailTaken');
    if (!address || Object.keys(errors).length) return showMailForm(ctx, { values, errors }, 400);
    if (!(await throttle.allowMail(tenant._id, address, ctx.ip))) {
      return showMailForm(ctx, { values, formError: message('throttle.tooMany') }, 429);
    }
    const { lang } = ctx.state;
    const minutes = config.application.urlMinutes;
    const ref = account._id.toString();
    const token = await issueToken({
      purpose: 'email-change',
      tenantId: tenant._id,
      email: address,
      lang,
      ttlMinutes: minutes,
      ref,
    });
    const url = `${config.issuer}${base(ctx)}/email/verify/${token}`;
    await enqueueMail({
      tenantId: tenant._id,
      to: address,
      lang,
      template: 'emailChange',
      values: { url, minutes: String(minutes) },
    });
    render(ctx, 'account-done', {
      base: base(ctx),
      titleKey: 'account.emailSentTitle',
      messageKey: 'account.emailSent',
      minutes,
    });
  };
}

const linkProblem = (ctx: Context, reason: LinkProblem) => showLinkProblem(ctx, reason, `${base(ctx)}/email`);

/** The link works in any browser (the mail may be read on a phone): the token alone proves it. */
export async function showVerify(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const token = ctx.params.token ?? '';
  const check = await checkToken(token, 'email-change', tenantOf(ctx)._id);
  if (!check.ok) return linkProblem(ctx, check.reason);
  const page = { action: `${base(ctx)}/email/verify/${token}`, email: check.token.email };
  render(ctx, 'account-email-verify', { ...page, ...extra }, status);
}

/** Changing spends the link; the old address is told of the change. */
export function verifyChange({ config, logger }: PageDeps) {
  return async function changeMailAddress(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    const used = await consumeToken(ctx.params.token ?? '', 'email-change', tenant._id);
    if (!used.ok) return linkProblem(ctx, used.reason);
    const before = await findAccount(used.token.ref ?? '', { tenantId: tenant._id });
    if (!before) return linkProblem(ctx, 'invalid');
    const email = used.token.email;
    try {
      await changeAddress({ _id: before._id, tenantId: tenant._id }, email, { emailVerified: true });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      throw new ServiceError(409, 'account.emailTaken');
    }
    await notify(before, 'emailChanged', config.issuer, { before: before.email, after: email });
    await audit(logger, { event: 'account.email_changed', tenant: tenant._id, account: before._id.toString(), ip: ctx.ip });
    render(ctx, 'account-done', { base: base(ctx), messageKey: 'account.changed.email' });
  };
}
