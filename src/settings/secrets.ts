import type { Context } from 'koa';
import { passwordRulesOf } from '../credentials/password-policy.ts';
import { changeSecretErrors, type Secret } from '../credentials/password-setting.ts';
import { audit } from '../db/audit.ts';
import { findAccount, updateAccount } from '../db/identities.ts';
import { formField } from '../http/form.ts';
import { accountOf, tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { notify } from '../mail/notices.ts';
import { endOtherSessions } from '../oidc/sessions.ts';
import type { PageDeps } from '../page-deps.ts';
import { base, done, notOffered } from './context.ts';

export const SECRET_PATHS: Record<Secret, string> = { password: '/password', secondPassword: '/second-password' };

/** Students have no password of ours; a second password only where their university wants one. */
function mayChange(ctx: Context, which: Secret): void {
  const account = accountOf(ctx);
  if (account.kind === 'graduate' || (which === 'secondPassword' && account.secondPasswordHash)) return;
  notOffered(ctx, which === 'password' ? 'graduatesOnly' : 'secondPassword');
}

/** Requirement G4 (d), (e): the change form of the password or the second password. */
export function showSecretForm(which: Secret) {
  return function secretForm(ctx: Context, extra: Record<string, unknown> = {}, status = 200): void {
    mayChange(ctx, which);
    const page = { base: base(ctx), action: `${base(ctx)}${SECRET_PATHS[which]}`, which, errors: {} };
    render(ctx, 'account-secret', { ...page, ...extra }, status);
  };
}

/** The current secret, the new one typed twice; every other session of the account ends. */
export function changeSecret({ config, hasher, logger }: PageDeps, which: Secret) {
  const again = showSecretForm(which);
  return async function changeOneSecret(ctx: Context): Promise<void> {
    mayChange(ctx, which);
    const account = await findAccount(accountOf(ctx)._id);
    const [current, other] =
      which === 'password'
        ? (['passwordHash', 'secondPasswordHash'] as const)
        : (['secondPasswordHash', 'passwordHash'] as const);
    const input = {
      current: formField(ctx, 'current', 128),
      next: formField(ctx, 'next', 128),
      confirm: formField(ctx, 'confirm', 128),
    };
    const errors = await changeSecretErrors(
      hasher,
      which,
      input,
      { current: account?.[current], other: account?.[other] },
      passwordRulesOf(tenantOf(ctx), account?.email),
    );
    if (Object.keys(errors).length) return again(ctx, { errors }, 400);
    const accountId = accountOf(ctx)._id;
    await updateAccount(accountId, { $set: { [current]: await hasher.hash(input.next) } });
    const ended = await endOtherSessions(accountId.toString(), ctx.state.sessionId);
    const fields = { tenant: tenantOf(ctx)._id, account: accountId.toString(), endedSessions: ended, ip: ctx.ip };
    await audit(logger, { event: `account.${which}_changed`, ...fields });
    if (account) await notify(account, which === 'password' ? 'passwordChanged' : 'secondPasswordChanged', config.issuer);
    done(ctx, `account.changed.${which}`);
  };
}
