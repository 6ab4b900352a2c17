// The login flow: what happens once, for every strategy, between "this is who it is" and the
// relying party's code — throttling, audit, required actions, the acr/amr and the finished interaction.
import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import { audit } from '../db/audit.ts';
import { type Account, isDisabled, recordSignIn } from '../db/identities.ts';
import { ServiceError } from '../errors.ts';
import { setCookie } from '../http/cookies.ts';
import { seeOther } from '../http/redirect.ts';
import { describeBrowser } from '../http/user-agent.ts';
import type { Lang } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import { notify } from '../mail/notices.ts';
import { logins } from '../metrics.ts';
import { assurance, type Method } from '../oidc/acr.ts';
import type { PageDeps } from '../page-deps.ts';
import type { LoginFlow, LoginStrategy, PendingLogin, RequiredAction } from './contract.ts';
import { interactionExpired } from './interaction-context.ts';
import { showLogin } from './login-page.ts';
import { dropPendingLogin, keepPendingLogin, loadPendingLogin, recordActionDone } from './pending-login.ts';
import { requiredActions } from './required-actions/index.ts';

export const continueUrl = (uid: string) => `/interaction/${uid}/continue`;

/** The first required action this login still has to go through (none done in it yet that applies). */
async function nextAction(login: PendingLogin): Promise<RequiredAction | undefined> {
  for (const action of requiredActions) {
    if (!login.done?.includes(action.id) && (await action.applies(login))) return action;
  }
  return undefined;
}

/**
 * Keeps the time of the login before this one, which relying parties show as "previous login", the
 * language the person logged in in (the `locale` claim and their mails follow it: issue 28 item 5),
 * and the account as it now is for the code exchange that follows (src/db/read-cache.ts).
 */
async function recordLogin(account: Account, locale: Lang, now = new Date()): Promise<void> {
  const times = { lastLoginAt: now, locale, ...(account.lastLoginAt ? { previousLoginAt: account.lastLoginAt } : {}) };
  await recordSignIn(account, times);
}

/** The browsers an account has logged in from: a long-lived signed cookie of short hashes of account ids. */
const SEEN_COOKIE = 'seen_accounts';

/**
 * Whether this browser has not logged in to `account` before; remembers that it now has (the ten
 * latest accounts of the browser, a year). Issue 23, item 5: a login from a new browser is mailed.
 */
function firstTimeHere(ctx: Context, account: Account): boolean {
  const mark = createHash('sha256').update(account._id.toString()).digest('base64url').slice(0, 16);
  const seen = (ctx.cookies.get(SEEN_COOKIE, { signed: true }) ?? '').split('.').filter(Boolean);
  const value = [mark, ...seen.filter((m) => m !== mark)].slice(0, 10).join('.');
  setCookie(ctx, SEEN_COOKIE, value, { maxAge: 365 * 86_400_000 });
  return !seen.includes(mark);
}

/** The acr values the relying party asked for (acr_values), which the login must meet. */
const acrValuesOf = (interaction: PendingLogin['interaction']) =>
  String(interaction.details.params.acr_values ?? '')
    .split(' ')
    .filter(Boolean);

/**
 * Counts, audits and records the login, and stores its result on the interaction this request
 * already loaded (provider.interactionResult would load it again); the URL that resumes the
 * authorization. The acr and amr follow from the methods this login completed (X3.6); a relying
 * party that asked for an acr the login did not earn gets unmet_authentication_requirements.
 */
async function finishLogin(
  logger: Logger,
  ctx: Context,
  { interaction, account, strategy, methods }: PendingLogin,
): Promise<string> {
  const { acr, amr } = assurance(methods);
  const wanted = acrValuesOf(interaction);
  const details = interaction.details;
  if (wanted.length && !wanted.includes(acr)) {
    logins.inc({ strategy: strategy.id, tenant: interaction.tenantId, result: 'refused' });
    const fields = { tenant: interaction.tenantId, account: account._id.toString(), method: strategy.id, acr, reason: 'acr' };
    await audit(logger, { event: 'login.failed', ...fields, ip: ctx.ip }, 'login did not earn the acr asked for');
    details.result = {
      error: 'unmet_authentication_requirements',
      error_description: `the login earned ${acr}, not one of the acr_values asked for`,
    };
  } else {
    logins.inc({ strategy: strategy.id, tenant: interaction.tenantId, result: 'succeeded' });
    await audit(logger, {
      event: 'login.succeeded',
      tenant: interaction.tenantId,
      account: account._id.toString(),
      method: strategy.id,
      acr,
      ip: ctx.ip,
    });
    await recordLogin(account, ctx.state.lang);
    // Not for the first login ever: there is no browser of theirs to compare with yet.
    if (firstTimeHere(ctx, account) && account.lastLoginAt) {
      await notify(account, 'newDevice', interaction.issuer, { device: describeBrowser(ctx.get('user-agent')) });
    }
    details.result = { login: { accountId: account._id.toString(), acr, amr, remember: false } };
  }
  await details.save(details.exp - Math.floor(Date.now() / 1000));
  return details.returnTo;
}

export function loginFlow({ provider, config, logger, guesses }: PageDeps): LoginFlow & {
  /** The pending login of this interaction, whatever its current action (the continue page). */
  pending(ctx: Context): Promise<PendingLogin | undefined>;
  /** Its current required action, or undefined when none is left. */
  current(login: PendingLogin): Promise<RequiredAction | undefined>;
  /** Completes a pending login with no action left; returns the URL that resumes the authorization. */
  finishPending(ctx: Context, login: PendingLogin): Promise<string>;
} {
  const pending = (ctx: Context) => loadPendingLogin(ctx, provider);

  const finish = (ctx: Context, login: PendingLogin) => finishLogin(logger, ctx, login);

  const pendingAt = async (ctx: Context, action: RequiredAction): Promise<PendingLogin> => {
    const login = await pending(ctx);
    return login && (await nextAction(login)) === action ? login : interactionExpired(ctx);
  };

  const keep = (uid: string, account: Account, strategy: LoginStrategy, methods: Method[]) =>
    keepPendingLogin(uid, account, strategy, methods, config.ttl.interactionSeconds);

  /** A stopped account gets no further, whatever proved it (issue 26): audited, and the person is told to ask the university. */
  const refuseIfDisabled = async (ctx: Context, tenantId: string, account: Account, strategy: LoginStrategy) => {
    if (!isDisabled(account)) return;
    logins.inc({ strategy: strategy.id, tenant: tenantId, result: 'refused' });
    const fields = { tenant: tenantId, account: account._id.toString(), method: strategy.id, reason: 'disabled', ip: ctx.ip };
    await audit(logger, { event: 'login.failed', ...fields }, 'login refused');
    throw new ServiceError(403, 'login.disabled', { detail: 'the account is disabled' });
  };

  const finishPending = async (ctx: Context, login: PendingLogin) => {
    await dropPendingLogin(login.interaction.uid);
    return finish(ctx, login);
  };

  return {
    pending,
    finishPending,
    current: (login) => nextAction(login),
    showLogin: (ctx, interaction, extra, status) => showLogin(ctx, interaction, extra, status),

    async attempt(ctx, guess, run) {
      const result = await guesses.attempt(ctx, { ...guess, event: 'login.failed' }, run);
      if ('refused' in result) logins.inc({ strategy: guess.method, tenant: guess.tenantId, result: 'failed' });
      return result;
    },

    async refused(ctx, tenantId, strategy, detail) {
      logins.inc({ strategy: strategy.id, tenant: tenantId, result: 'refused' });
      await audit(
        logger,
        { event: 'login.failed', tenant: tenantId, method: strategy.id, ...detail, ip: ctx.ip },
        'login refused',
      );
    },

    async authenticated(ctx, interaction, account, strategy, methods) {
      ctx.state.branding ??= interaction.branding;
      await refuseIfDisabled(ctx, interaction.tenantId, account, strategy);
      const login = { interaction, account, strategy, methods };
      const action = await nextAction(login);
      if (!action) return seeOther(ctx, await finish(ctx, login));
      await keep(interaction.uid, account, strategy, methods);
      const fields = { tenant: interaction.tenantId, account: account._id.toString(), method: strategy.id, next: action.id };
      await audit(logger, { event: 'login.authenticated', ...fields, ip: ctx.ip });
      seeOther(ctx, continueUrl(interaction.uid));
    },

    async authenticatedFor(ctx, { uid, tenantId }, account, strategy, methods, detail) {
      await refuseIfDisabled(ctx, tenantId, account, strategy);
      await keep(uid, account, strategy, methods);
      const fields = { tenant: tenantId, account: account._id.toString(), method: strategy.id, ...detail };
      await audit(logger, { event: 'login.authenticated', ...fields, ip: ctx.ip });
      seeOther(ctx, continueUrl(uid));
    },

    showAgain: (action) => async (ctx, extra, status) => {
      await action.show(ctx, await pendingAt(ctx, action), extra, status);
    },

    pendingAt,

    async proceed(ctx, login, action, earned = []) {
      const done = [...(login.done ?? []), action.id];
      const methods = [...new Set([...login.methods, ...earned])];
      if (!(await nextAction({ ...login, done }))) return finishPending(ctx, { ...login, methods });
      await recordActionDone(login.interaction.uid, action.id, methods);
      return continueUrl(login.interaction.uid);
    },
  };
}

export type Flow = ReturnType<typeof loginFlow>;
