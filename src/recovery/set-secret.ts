import type { Context } from 'koa';
import { audit } from '../db/audit.ts';
import { type Account, findAccount } from '../db/identities.ts';
import { tenantOf } from '../http/state.ts';
import { tenantLoginUrl } from '../http/tenant.ts';
import { render } from '../http/views.ts';
import { notify } from '../mail/notices.ts';
import { endOtherSessions } from '../oidc/sessions.ts';
import { checkToken, consumeToken, type LinkProblem, showLinkProblem } from '../security/one-time-token.ts';
import { base, type RecoveryDeps } from './context.ts';
import type { ResetKind } from './kinds.ts';

const problem = (ctx: Context, kind: ResetKind, reason: LinkProblem) => showLinkProblem(ctx, reason, base(ctx, kind));

/** The account the mailed link is for; a token written for an unknown address (never mailed) is invalid. */
async function linkedAccount(ctx: Context, kind: ResetKind): Promise<Account | LinkProblem> {
  const tenantId = tenantOf(ctx)._id;
  const check = await checkToken(ctx.params.token ?? '', kind.purpose, tenantId);
  if (!check.ok) return check.reason;
  if (!check.token.ref) return 'invalid';
  const account = await findAccount(check.token.ref ?? '', { tenantId, kind: kind.accountKind });
  return account ?? 'invalid';
}

/** Opening the mailed link only shows the form (mail scanners spend nothing); setting the secret uses it. */
export function showSetSecret(kind: ResetKind) {
  return async function newSecretForm(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
    const account = await linkedAccount(ctx, kind);
    if (typeof account === 'string') return problem(ctx, kind, account);
    kind.showSet(ctx, `${base(ctx, kind)}/${ctx.params.token ?? ''}`, extra, status);
  };
}

/** The new secret(s) are checked, the link spent, every session of the account ended. */
export function setSecret({ config, hasher, logger, kind }: RecoveryDeps) {
  return async function resetSecret(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    const token = ctx.params.token ?? '';
    const account = await linkedAccount(ctx, kind);
    if (typeof account === 'string') return problem(ctx, kind, account);
    const { errors, apply } = await kind.check(ctx, hasher, account);
    if (Object.keys(errors).length) return kind.showSet(ctx, `${base(ctx, kind)}/${token}`, { errors }, 400);
    const used = await consumeToken(token, kind.purpose, tenant._id);
    if (!used.ok) return problem(ctx, kind, used.reason);
    await apply();
    const ended = await endOtherSessions(account._id.toString());
    const fields = { tenant: tenant._id, account: account._id.toString(), endedSessions: ended, ip: ctx.ip };
    await audit(logger, { event: kind.events.done, ...fields });
    await notify(account, kind.purpose === 'password-reset' ? 'passwordsReset' : 'secondPasswordReset', config.issuer);
    render(ctx, 'account-done', {
      titleKey: 'reset.doneTitle',
      messageKey: kind.requestText.doneKey,
      next: tenantLoginUrl(tenant, config.issuer),
    });
  };
}
