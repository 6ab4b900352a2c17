import Router from '@koa/router';
import type { TFunction } from 'i18next';
import type { Context } from 'koa';
import type { Config } from '../config/schema.ts';
import {
  newPasswordErrors,
  newSecondPasswordErrors,
  setGraduatePasswords,
  setSecondPassword,
} from '../credentials/password-setting.ts';
import { accountIdAt } from '../db/account-address.ts';
import { audit } from '../db/audit.ts';
import { type Account, AccountModel } from '../db/models/account.ts';
import { formBody, formField, mailAddressField, newPasswordsFromForm, newSecondPasswordFromForm } from '../http/form.ts';
import { tenantOf } from '../http/state.ts';
import { tenantLoginUrl } from '../http/tenant.ts';
import { render } from '../http/views.ts';
import { translator } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { endOtherSessions } from '../oidc/sessions.ts';
import { csrfValid } from '../security/csrf.ts';
import { checkToken, consumeToken, issueToken, type LinkProblem, showLinkProblem } from '../security/one-time-token.ts';
import type { SecretHasher } from '../security/secrets.ts';
import { Throttle } from '../security/throttle.ts';

/** What differs between the graduate's password reset and the student's second password reset. */
interface ResetKind {
  path: string;
  purpose: 'password-reset' | 'second-password-reset';
  accountKind: 'graduate' | 'student';
  template: string;
  requestText: { titleKey: string; introKey: string; sentKey: string; doneKey: string };
  showSet: (ctx: Context, action: string, extra: Record<string, unknown>, status: number) => void;
  /** Checks the posted form against the account; returns field errors, or the change to store. */
  check: (
    ctx: Context,
    hasher: SecretHasher,
    account: Account,
  ) => Promise<{ errors: Record<string, string>; apply: () => Promise<void> }>;
}

const differsFromOld = async (
  t: TFunction,
  hasher: SecretHasher,
  hash: string | null | undefined,
  value: string,
  errors: Record<string, string>,
) => {
  if (!errors.secondPassword && (await hasher.verify(hash, value))) errors.secondPassword = t('reset.sameAsOldSecond');
};

/**
 * Requirement G4 (f): "If you have forgotten your password" → mail address → the same answer whether or not
 * it is registered → one-time URL (30 minutes) → password and second password, each twice, both
 * different from the old ones → set → log in. Every session of the account ends.
 */
export const GRADUATE_RESET: ResetKind = {
  path: 'password-reset',
  purpose: 'password-reset',
  accountKind: 'graduate',
  template: 'passwordReset',
  requestText: { titleKey: 'reset.title', introKey: 'reset.intro', sentKey: 'reset.sent', doneKey: 'reset.done' },
  showSet: (ctx, action, extra, status) => render(ctx, 'reset-set', { action, errors: {}, ...extra }, status),
  async check(ctx, hasher, account) {
    const t = translator(ctx.state.lang);
    const input = newPasswordsFromForm(ctx);
    const errors = await newPasswordErrors(t, hasher, input, account.passwordHash);
    await differsFromOld(t, hasher, account.secondPasswordHash, input.secondPassword, errors);
    return { errors, apply: () => setGraduatePasswords(hasher, account._id.toString(), input.password, input.secondPassword) };
  },
};

/** Requirement S3: a student's "If you have forgotten your second password", the same way, for that one secret. */
export const STUDENT_SECOND_PASSWORD_RESET: ResetKind = {
  path: 'second-password-reset',
  purpose: 'second-password-reset',
  accountKind: 'student',
  template: 'secondPasswordReset',
  requestText: {
    titleKey: 'student.second.resetTitle',
    introKey: 'student.second.resetIntro',
    sentKey: 'student.second.resetSent',
    doneKey: 'student.second.resetDone',
  },
  showSet: (ctx, action, extra, status) =>
    render(ctx, 'student-second-password-set', { action, differentRule: true, errors: {}, ...extra }, status),
  async check(ctx, hasher, account) {
    const t = translator(ctx.state.lang);
    const input = newSecondPasswordFromForm(ctx);
    const errors = newSecondPasswordErrors(t, input);
    await differsFromOld(t, hasher, account.secondPasswordHash, input.secondPassword, errors);
    return { errors, apply: () => setSecondPassword(hasher, account._id, input.secondPassword) };
  },
};

export function recoveryRoutes(config: Config, hasher: SecretHasher, logger: Logger, kind: ResetKind): Router {
  const router = new Router({ prefix: `/${kind.path}` });
  const throttle = new Throttle(config.throttle);
  const base = (ctx: Context) => `/t/${tenantOf(ctx)._id}/${kind.path}`;

  const showRequest = (ctx: Context, extra: Record<string, unknown> = {}, status = 200) =>
    render(ctx, 'reset-request', { action: base(ctx), ...kind.requestText, values: {}, errors: {}, ...extra }, status);

  router.get('/', (ctx) => showRequest(ctx));

  router.post('/', formBody, async (ctx) => {
    const tenant = tenantOf(ctx);
    const t = translator(ctx.state.lang);
    const email = formField(ctx, 'email');
    if (!csrfValid(ctx)) return showRequest(ctx, { values: { email }, formError: t('form.csrf') }, 403);
    const { address, error } = mailAddressField(t, email, t('login.email'));
    if (!address) return showRequest(ctx, { values: { email }, errors: { email: error } }, 400);
    // A student's address counts once it is confirmed (before that it is a placeholder).
    const confirmed = kind.accountKind === 'student' ? { emailVerified: true } : {};
    const accountId = await accountIdAt(tenant._id, address, { kind: kind.accountKind, ...confirmed });
    // The same work whether or not the address is registered, so that neither the answer nor its
    // timing tells: a token and a mail are written either way; for an unknown address the mail is
    // withheld (never sent) and the token, bound to no account, is never seen by anyone.
    if (await throttle.allowMail(tenant._id, address, ctx.ip)) {
      const lang = ctx.state.lang;
      const token = await issueToken({
        purpose: kind.purpose,
        tenantId: tenant._id,
        email: address,
        lang,
        ttlMinutes: config.application.urlMinutes,
        ref: accountId,
      });
      await enqueueMail({
        tenantId: tenant._id,
        to: address,
        lang,
        template: kind.template,
        values: { url: `${config.issuer}${base(ctx)}/${token}`, minutes: String(config.application.urlMinutes) },
        withheld: !accountId,
      });
    }
    await audit(logger, {
      event: kind.purpose === 'password-reset' ? 'account.reset_requested' : 'account.second_password_reset_requested',
      tenant: tenant._id,
      ip: ctx.ip,
    });
    ctx.status = 303;
    ctx.redirect(`${base(ctx)}/sent`);
  });

  router.get('/sent', (ctx) =>
    render(ctx, 'account-done', { messageKey: kind.requestText.sentKey, minutes: config.application.urlMinutes }),
  );

  const problem = (ctx: Context, reason: LinkProblem) => showLinkProblem(ctx, reason, base(ctx));
  const showSet = (ctx: Context, token: string, extra: Record<string, unknown> = {}, status = 200) =>
    kind.showSet(ctx, `${base(ctx)}/${token}`, extra, status);

  // Opening the link only shows the form; setting the secret uses the token.
  router.get('/:token', async (ctx) => {
    const check = await checkToken(ctx.params.token ?? '', kind.purpose, tenantOf(ctx)._id);
    if (!check.ok) return problem(ctx, check.reason);
    if (!check.token.ref) return problem(ctx, 'invalid');
    showSet(ctx, ctx.params.token ?? '');
  });

  router.post('/:token', formBody, async (ctx) => {
    const tenant = tenantOf(ctx);
    const token = ctx.params.token ?? '';
    const t = translator(ctx.state.lang);
    const check = await checkToken(token, kind.purpose, tenant._id);
    if (!check.ok) return problem(ctx, check.reason);
    if (!check.token.ref) return problem(ctx, 'invalid'); // written for an unknown address, never mailed
    if (!csrfValid(ctx)) return showSet(ctx, token, { formError: t('form.csrf') }, 403);
    const account = await AccountModel.findOne({
      _id: check.token.ref,
      tenantId: tenant._id,
      kind: kind.accountKind,
    }).lean<Account>();
    if (!account) return problem(ctx, 'invalid');
    const { errors, apply } = await kind.check(ctx, hasher, account);
    if (Object.keys(errors).length) return showSet(ctx, token, { errors }, 400);
    const used = await consumeToken(token, kind.purpose, tenant._id);
    if (!used.ok) return problem(ctx, used.reason);
    await apply();
    const ended = await endOtherSessions(account._id.toString());
    await audit(logger, {
      event: kind.purpose === 'password-reset' ? 'account.reset' : 'account.second_password_reset',
      tenant: tenant._id,
      account: account._id.toString(),
      endedSessions: ended,
      ip: ctx.ip,
    });
    render(ctx, 'account-done', { messageKey: kind.requestText.doneKey, next: tenantLoginUrl(tenant, config.issuer) });
  });

  return router;
}
