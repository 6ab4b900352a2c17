import type { Context } from 'koa';
import mongoose from 'mongoose';
import { audit } from '../db/audit.ts';
import { type Account, accountForStaff, isDisabled, setDisabled, unlinkStudentId } from '../db/identities.ts';
import type { Tenant } from '../db/models/tenant.ts';
import { formField } from '../http/form.ts';
import { tenantOf } from '../http/state.ts';
import { type FieldErrors, isLang, message } from '../i18n/index.ts';
import { endEverySession } from '../oidc/sessions.ts';
import type { PageDeps } from '../page-deps.ts';
import { GRADUATE_RESET, STUDENT_SECOND_PASSWORD_RESET } from '../recovery/kinds.ts';
import { mailResetLink } from '../recovery/request.ts';
import { go } from '../review/context.ts';

/** What an action records in the audit entry beside the reason: before and after, counts. */
type Outcome = Record<string, string | number>;

/**
 * One thing the helpdesk does to an account (issue 26 item 7), always with a reason: whether it is
 * offered for this account (its form shows; anything else is refused), what else its form must
 * hold, and what it does.
 */
interface AccountAction {
  offered(account: Account, tenant: Tenant): boolean;
  check?(ctx: Context, account: Account): FieldErrors | undefined;
  /** Undefined when there was nothing to do any more (another staff member was quicker). */
  run(deps: PageDeps, ctx: Context, account: Account, reason: string): Promise<Outcome | undefined>;
}

const resetKind = (account: Account) => (account.kind === 'graduate' ? GRADUATE_RESET : STUDENT_SECOND_PASSWORD_RESET);

export const ACCOUNT_ACTIONS: Record<string, AccountAction> = {
  /** Stops the account: no login, no tokens, no account pages; every session and grant ends. */
  disable: {
    offered: (account) => !isDisabled(account),
    async run({ provider, logger }, _ctx, account, reason) {
      if (!(await setDisabled(account.tenantId, account._id, reason))) return undefined;
      const sessionsEnded = await endEverySession(provider, logger, account._id.toString());
      return { before: 'active', after: 'disabled', sessionsEnded };
    },
  },

  enable: {
    offered: (account) => isDisabled(account),
    async run(_deps, _ctx, account) {
      if (!(await setDisabled(account.tenantId, account._id, undefined))) return undefined;
      return { before: 'disabled', after: 'active' };
    },
  },

  /** Every session, on every device, with the grants and refresh tokens given in them. */
  'end-sessions': {
    offered: () => true,
    async run({ provider, logger }, _ctx, account) {
      return { sessionsEnded: await endEverySession(provider, logger, account._id.toString()) };
    },
  },

  /**
   * The reset mail the person could ask for themselves (a graduate's passwords, a student's second
   * password), sent to the account's address in its language: the helpdesk never sees or sets a secret.
   */
  'reset-mail': {
    offered: (account, tenant) =>
      !isDisabled(account) &&
      (account.kind === 'graduate' || (Boolean(tenant.studentSecondPassword) && Boolean(account.emailVerified))),
    async run({ config }, _ctx, account) {
      const kind = resetKind(account);
      const lang = isLang(account.locale) ? account.locale : 'ja';
      const to = { tenantId: account.tenantId, address: account.email, lang, accountId: account._id.toString() };
      await mailResetLink(config, kind, to);
      return { mail: kind.template };
    },
  },

  /**
   * Takes a student ID off a graduate's account (linked by mistake, say). A student's IDs come from
   * the university's sign-in at every login, so there is nothing to unlink; a graduate keeps one.
   */
  unlink: {
    offered: (account) => account.kind === 'graduate' && account.studentIds.length > 1,
    check(ctx, account) {
      const number = formField(ctx, 'studentId', 50);
      if (account.studentIds.some((id) => id.number === number)) return undefined;
      return { studentId: message('console.accounts.actions.unknownStudentId') };
    },
    async run(_deps, ctx, account) {
      const number = formField(ctx, 'studentId', 50);
      if (!(await unlinkStudentId(account, number))) return undefined;
      return { studentId: number, before: account.studentIds.map((id) => id.number).join(' '), after: 'without it' };
    },
  },
};

/** The account an action is posted for: this university's, by the id in the path; 404 for anything else. */
export async function accountOfPath(ctx: Context): Promise<Account> {
  const id = ctx.params.id ?? '';
  const account = mongoose.isValidObjectId(id) ? await accountForStaff(tenantOf(ctx)._id, id) : null;
  return account ?? ctx.throw(404);
}

/**
 * POST /t/:tenant/staff/accounts/:id/actions/:action (helpdesk, admins): the action with its reason,
 * audited as `console.account_<action>` with the staff member, the reason and what changed. A missing
 * reason, or an action the account no longer allows (another staff member was quicker), shows the page
 * again with the message beside the form and what was typed kept.
 */
export function accountAction(
  deps: PageDeps,
  again: (ctx: Context, extra: Record<string, unknown>, status: number) => Promise<void>,
) {
  return async function actOnAccount(ctx: Context): Promise<void> {
    const name = ctx.params.action ?? '';
    const action = Object.hasOwn(ACCOUNT_ACTIONS, name) ? ACCOUNT_ACTIONS[name] : undefined;
    if (!action) return ctx.throw(404);
    const account = await accountOfPath(ctx);
    const tenant = tenantOf(ctx);
    const reason = formField(ctx, 'reason', 500).trim();
    const values = { reason: formField(ctx, 'reason', 500), studentId: formField(ctx, 'studentId', 50) };
    const refuse = (errors: FieldErrors, status: number) =>
      again(ctx, { values, errors, formError: message('form.errorSummary') }, status);
    if (!action.offered(account, tenant)) return refuse({ reason: message('console.accounts.actions.notOffered') }, 409);
    if (!reason) return refuse({ reason: message('form.required', { field: message('console.accounts.actions.reason') }) }, 400);
    if (reason.length > 500)
      return refuse({ reason: message('form.tooLong', { field: message('console.accounts.actions.reason'), max: 500 }) }, 400);
    const errors = action.check?.(ctx, account);
    if (errors) return refuse(errors, 400);
    const outcome = await action.run(deps, ctx, account, reason);
    if (!outcome) return refuse({ reason: message('console.accounts.actions.notOffered') }, 409);
    const staff = ctx.state.staff?._id.toString();
    const event = `console.account_${name.replace('-', '_')}`;
    await audit(deps.logger, {
      event,
      tenant: tenant._id,
      account: account._id.toString(),
      staff,
      reason,
      ...outcome,
      ip: ctx.ip,
    });
    go(ctx, `/accounts/${account._id}?done=${name}`);
  };
}
