import Router from '@koa/router';
import type { Context } from 'koa';
import { parseName } from '../admin/accounts.ts';
import { changeSecretErrors, type Secret } from '../credentials/password-setting.ts';
import { addressInUse, changeAddress } from '../db/account-address.ts';
import { audit } from '../db/audit.ts';
import { type Account, AccountModel, isDuplicateKey } from '../db/models/account.ts';
import { confirmedMailAddress, formBody, formField } from '../http/form.ts';
import { CONTACT_FIELDS, PERSONAL_FIELDS, tenantFields, validateFields } from '../http/form-items.ts';
import { accountOf, tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { formatDateTime, translator } from '../i18n/index.ts';
import { enqueueMail } from '../mail/outbox.ts';
import type { PageDeps } from '../oidc/page-deps.ts';
import { endOtherSessions } from '../oidc/sessions.ts';
import { logoutAtIdp, rememberIdpSession } from '../saml/single-logout.ts';
import { csrfValid } from '../security/csrf.ts';
import { checkToken, consumeToken, issueToken, type LinkProblem, showLinkProblem } from '../security/one-time-token.ts';
import { Throttle } from '../security/throttle.ts';
import { accountClientId, ensureAccountClient, finishAccountLogin, startAccountLogin } from './console-client.ts';
import { requireAccount } from './guard.ts';

const fullName = (name: { family?: string | null; given?: string | null } | null | undefined) =>
  [name?.family, name?.given].filter(Boolean).join(' ');

/** The person's current personal items as the form shows them. */
function personalValues(account: Account): Record<string, string> {
  return {
    nameKanji: fullName(account.name?.kanji),
    nameKana: fullName(account.name?.kana),
    nameRoman: fullName(account.name?.roman),
    sex: account.sex ?? '',
    birthdate: account.birthdate ?? '',
    ...Object.fromEntries(CONTACT_FIELDS.map((name) => [name, account.contact?.[name] ?? ''])),
  };
}

/** Requirement G4 (a), (b), (d), (e): the account menu and the changes a person makes themselves. */
export function accountRoutes(deps: PageDeps): Router {
  const { provider, config, sps, hasher, logger } = deps;
  const router = new Router({ prefix: '/account' });
  const throttle = new Throttle(config.throttle);
  const signedIn = requireAccount(provider, config);
  const base = (ctx: Context) => `/t/${tenantOf(ctx)._id}/account`;
  const done = (ctx: Context, messageKey: string) => render(ctx, 'account-done', { base: base(ctx), messageKey });

  router.get('/login', async (ctx) => {
    const returnTo = typeof ctx.query.return === 'string' ? ctx.query.return : base(ctx);
    await startAccountLogin(ctx, tenantOf(ctx)._id, config.issuer, returnTo);
  });

  router.get('/callback', (ctx) => {
    const returnTo = finishAccountLogin(ctx, tenantOf(ctx)._id);
    if (!returnTo) return render(ctx, 'error', { messageKey: 'error.generic' }, 400);
    ctx.redirect(returnTo);
  });

  // A student's logout from the menu also ends the university sign-in where its IdP offers single logout.
  router.get('/logged-out', async (ctx) => {
    if (!(await logoutAtIdp(ctx, sps, tenantOf(ctx)._id))) render(ctx, 'logged-out');
  });

  router.get('/', signedIn, async (ctx) => {
    const account = accountOf(ctx);
    const tenant = tenantOf(ctx);
    const graduate = account.kind === 'graduate';
    const previous = account.previousLoginAt ? formatDateTime(account.previousLoginAt, ctx.state.lang) : undefined;
    // Logout goes through the account client, which must exist even if this session began elsewhere.
    await ensureAccountClient(tenant._id, config.issuer);
    await rememberIdpSession(ctx, account);
    const logout = new URLSearchParams({
      client_id: accountClientId(tenant._id),
      post_logout_redirect_uri: `${config.issuer}${base(ctx)}/logged-out`,
    });
    render(ctx, 'account-home', {
      base: base(ctx),
      name: fullName(account.name?.kanji) || account.email,
      email: account.email,
      previous,
      graduate,
      secondPassword: graduate || Boolean(account.secondPasswordHash),
      manualUrl: tenant.manualUrl,
      logoutUrl: `/session/end?${logout}`,
    });
  });

  // (d), (e): password and second password
  for (const [path, which] of [
    ['/password', 'password'],
    ['/second-password', 'secondPassword'],
  ] as Array<[string, Secret]>) {
    const show = (ctx: Context, extra: Record<string, unknown> = {}, status = 200) =>
      render(ctx, 'account-secret', { base: base(ctx), action: `${base(ctx)}${path}`, which, errors: {}, ...extra }, status);
    // Students have no password of ours; a second password only where their university wants one.
    const mayChange = (ctx: Context) =>
      accountOf(ctx).kind === 'graduate' ||
      (which === 'secondPassword' && Boolean(accountOf(ctx).secondPasswordHash)) ||
      ctx.throw(404);

    router.get(path, signedIn, (ctx) => {
      mayChange(ctx);
      show(ctx);
    });

    router.post(path, signedIn, formBody, async (ctx) => {
      mayChange(ctx);
      const t = translator(ctx.state.lang);
      if (!csrfValid(ctx)) return show(ctx, { formError: t('form.csrf') }, 403);
      const account = await AccountModel.findById(accountOf(ctx)._id).lean<Account>();
      const hashes =
        which === 'password'
          ? { current: account?.passwordHash, other: account?.secondPasswordHash }
          : { current: account?.secondPasswordHash, other: account?.passwordHash };
      const input = {
        current: formField(ctx, 'current', 128),
        next: formField(ctx, 'next', 128),
        confirm: formField(ctx, 'confirm', 128),
      };
      const errors = await changeSecretErrors(t, hasher, which, input, hashes);
      if (Object.keys(errors).length) return show(ctx, { errors }, 400);
      const field = which === 'password' ? 'passwordHash' : 'secondPasswordHash';
      await AccountModel.updateOne({ _id: accountOf(ctx)._id }, { $set: { [field]: await hasher.hash(input.next) } });
      const ended = await endOtherSessions(accountOf(ctx)._id.toString(), ctx.state.sessionId);
      await audit(logger, {
        event: `account.${which}_changed`,
        tenant: tenantOf(ctx)._id,
        account: accountOf(ctx)._id.toString(),
        endedSessions: ended,
        ip: ctx.ip,
      });
      done(ctx, `account.changed.${which}`);
    });
  }

  // (a): personal information → Check → confirmation → Change
  const personalFields = (ctx: Context) => tenantFields(tenantOf(ctx)).filter((f) => PERSONAL_FIELDS.includes(f.name));
  const showPersonal = (
    ctx: Context,
    view: string,
    values: Record<string, string>,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => render(ctx, view, { base: base(ctx), fields: personalFields(ctx), values, errors: {}, catalogue: [], ...extra }, status);

  router.get('/personal', signedIn, (ctx) => {
    if (accountOf(ctx).kind !== 'graduate') return ctx.throw(404);
    showPersonal(ctx, 'account-personal', personalValues(accountOf(ctx)));
  });

  router.post('/personal', signedIn, formBody, (ctx) => {
    if (accountOf(ctx).kind !== 'graduate') return ctx.throw(404);
    const t = translator(ctx.state.lang);
    const { values, errors } = validateFields(t, tenantOf(ctx), (name) => formField(ctx, name, 200), personalFields(ctx));
    if (!csrfValid(ctx)) return showPersonal(ctx, 'account-personal', values, { formError: t('form.csrf') }, 403);
    const confirmed = formField(ctx, 'confirmed') === 'yes';
    if (Object.keys(errors).length || !confirmed) {
      return showPersonal(
        ctx,
        Object.keys(errors).length ? 'account-personal' : 'account-personal-confirm',
        values,
        { errors },
        Object.keys(errors).length ? 400 : 200,
      );
    }
    return savePersonal(ctx, values);
  });

  const savePersonal = async (ctx: Context, values: Record<string, string>) => {
    const name = (value: string | undefined) => (value ? parseName(value, 'name') : { family: '', given: '' });
    await AccountModel.updateOne(
      { _id: accountOf(ctx)._id },
      {
        $set: {
          'name.kanji': name(values.nameKanji),
          'name.kana': name(values.nameKana),
          'name.roman': name(values.nameRoman),
          ...(values.sex !== undefined ? { sex: values.sex } : {}),
          ...(values.birthdate !== undefined ? { birthdate: values.birthdate } : {}),
          ...Object.fromEntries(CONTACT_FIELDS.filter((f) => values[f] !== undefined).map((f) => [`contact.${f}`, values[f]])),
        },
      },
    );
    await audit(logger, {
      event: 'account.personal_changed',
      tenant: tenantOf(ctx)._id,
      account: accountOf(ctx)._id.toString(),
      ip: ctx.ip,
    });
    done(ctx, 'account.changed.personal');
  };

  // (b): mail address change, confirmed at the new address
  const showEmail = (ctx: Context, extra: Record<string, unknown> = {}, status = 200) =>
    render(
      ctx,
      'account-email',
      { base: base(ctx), action: `${base(ctx)}/email`, current: accountOf(ctx).email, values: {}, errors: {}, ...extra },
      status,
    );

  router.get('/email', signedIn, (ctx) => showEmail(ctx));

  router.post('/email', signedIn, formBody, async (ctx) => {
    const t = translator(ctx.state.lang);
    const tenant = tenantOf(ctx);
    const account = accountOf(ctx);
    const values = { email: formField(ctx, 'email'), emailConfirm: formField(ctx, 'emailConfirm') };
    if (!csrfValid(ctx)) return showEmail(ctx, { values, formError: t('form.csrf') }, 403);
    const { address, errors } = confirmedMailAddress(t, values, t('account.newEmail'), t('apply.emailMismatch'));
    if (address === account.email) errors.email = t('account.sameEmail');
    else if (address && (await addressInUse(tenant._id, address))) errors.email = t('account.emailTaken');
    if (!address || Object.keys(errors).length) return showEmail(ctx, { values, errors }, 400);
    const lang = ctx.state.lang;
    if (!(await throttle.allowMail(tenant._id, address, ctx.ip)))
      return showEmail(ctx, { values, formError: t('throttle.tooMany') }, 429);
    const token = await issueToken({
      purpose: 'email-change',
      tenantId: tenant._id,
      email: address,
      lang,
      ttlMinutes: config.application.urlMinutes,
      ref: account._id.toString(),
    });
    const url = `${config.issuer}${base(ctx)}/email/verify/${token}`;
    await enqueueMail({
      tenantId: tenant._id,
      to: address,
      lang,
      template: 'emailChange',
      values: { url, minutes: String(config.application.urlMinutes) },
    });
    render(ctx, 'account-done', { base: base(ctx), messageKey: 'account.emailSent', minutes: config.application.urlMinutes });
  });

  // The link works in any browser (the mail may be read on a phone): the token alone proves it.
  const showVerify = (ctx: Context, token: string, extra: Record<string, unknown> = {}, status = 200) =>
    render(ctx, 'account-email-verify', { action: `${base(ctx)}/email/verify/${token}`, ...extra }, status);
  const tokenProblem = (ctx: Context, reason: LinkProblem) => showLinkProblem(ctx, reason, `${base(ctx)}/email`);

  router.get('/email/verify/:token', async (ctx) => {
    const check = await checkToken(ctx.params.token ?? '', 'email-change', tenantOf(ctx)._id);
    if (!check.ok) return tokenProblem(ctx, check.reason);
    showVerify(ctx, ctx.params.token ?? '', { email: check.token.email });
  });

  router.post('/email/verify/:token', formBody, async (ctx) => {
    const tenant = tenantOf(ctx);
    const token = ctx.params.token ?? '';
    if (!csrfValid(ctx)) return showVerify(ctx, token, { formError: translator(ctx.state.lang)('form.csrf') }, 403);
    const used = await consumeToken(token, 'email-change', tenant._id);
    if (!used.ok) return tokenProblem(ctx, used.reason);
    const before = await AccountModel.findOne({ _id: used.token.ref, tenantId: tenant._id }).lean<Account>();
    if (!before) return tokenProblem(ctx, 'invalid');
    try {
      await changeAddress({ _id: before._id, tenantId: tenant._id }, used.token.email, { emailVerified: true });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return render(ctx, 'error', { messageKey: 'account.emailTaken' }, 409);
    }
    await enqueueMail({
      tenantId: tenant._id,
      to: before.email,
      lang: before.locale ?? 'ja',
      template: 'emailChanged',
      values: { email: used.token.email },
    });
    await audit(logger, { event: 'account.email_changed', tenant: tenant._id, account: before._id.toString(), ip: ctx.ip });
    render(ctx, 'account-done', { base: base(ctx), messageKey: 'account.changed.email' });
  });

  return router;
}
