import Router from '@koa/router';
import type { Context } from 'koa';
import { audit } from '../db/audit.ts';
import { RequiredActionModel } from '../db/models/required-action.ts';
import { formBody, formField, mailAddressField } from '../http/form.ts';
import { render } from '../http/views.ts';
import { translator } from '../i18n/index.ts';
import { ACR, AMR } from '../oidc/acr.ts';
import type { PageDeps } from '../oidc/page-deps.ts';
import { csrfValid } from '../security/csrf.ts';
import { Throttle } from '../security/throttle.ts';
import { authenticateGraduate } from '../strategies/graduate-password.ts';
import { consentRoutes, showConsent } from './consent.ts';
import { finishLogin, type InteractionContext, interactionExpired, loadInteraction } from './interaction-context.ts';
import { setPasswordsRoutes } from './set-passwords.ts';
import { studentIdps, studentLoginRoutes } from './student-login.ts';

/** The login methods a university offers, and the acr each of them asserts. */
async function loginMethods(it: InteractionContext) {
  const idps = await studentIdps(it.tenant);
  const graduate = it.tenant.loginMethods?.graduate !== false;
  const studentAcr = it.tenant.studentSecondPassword ? ACR.samlAndSecondPassword : ACR.saml;
  return { idps, graduate, acrs: [...(graduate ? [ACR.passwordAndSecondPassword] : []), ...(idps.length ? [studentAcr] : [])] };
}

async function showLogin(
  ctx: Context,
  it: InteractionContext,
  extra: Record<string, unknown> = {},
  status = 200,
  methods?: Awaited<ReturnType<typeof loginMethods>>,
): Promise<void> {
  const { idps, graduate } = methods ?? (await loginMethods(it));
  render(
    ctx,
    'login',
    {
      uid: it.uid,
      tenantId: it.tenantId,
      branding: it.branding,
      graduate,
      studentSecondPassword: it.tenant.studentSecondPassword,
      idps: idps.map((idp) => ({ slug: idp.slug, name: idp.displayName?.[ctx.state.lang] ?? idp.slug })),
      values: { email: it.details.params.login_hint ?? '' },
      errors: {},
      ...extra,
    },
    status,
  );
}

export function interactionRoutes(deps: PageDeps): Router {
  const { provider, config, hasher, logger } = deps;
  const router = new Router({ prefix: '/interaction/:uid' });
  const throttle = new Throttle(config.throttle);

  router.get('/', async (ctx) => {
    const it = await loadInteraction(ctx, provider);
    if (!it) return interactionExpired(ctx);
    if (it.details.prompt.name === 'consent') return showConsent(ctx, provider, it);
    // acr_values asking only for what no login method here gives is refused with the standard error.
    const methods = await loginMethods(it);
    const wanted = String(it.details.params.acr_values ?? '')
      .split(' ')
      .filter(Boolean);
    if (wanted.length && !wanted.some((acr) => (methods.acrs as string[]).includes(acr))) {
      const error = {
        error: 'unmet_authentication_requirements',
        error_description: 'none of the requested acr_values can be satisfied',
      };
      ctx.status = 303;
      return ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, error, { mergeWithLastSubmission: false }));
    }
    // A student-only university with one IdP (or a relying party asking for the student acr) goes
    // straight to the university's sign-in; otherwise the page offers each IdP and/or the graduate form.
    const onlyStudents = !methods.graduate || (wanted.length > 0 && !wanted.includes(ACR.passwordAndSecondPassword));
    const [onlyIdp] = methods.idps;
    if (onlyStudents && methods.idps.length === 1 && onlyIdp) {
      ctx.status = 303;
      return ctx.redirect(`/interaction/${it.uid}/saml/${onlyIdp.slug}`);
    }
    await showLogin(ctx, it, {}, 200, methods);
  });

  router.post('/login', formBody, async (ctx) => {
    const it = await loadInteraction(ctx, provider);
    if (it?.details.prompt.name !== 'login') return interactionExpired(ctx);
    if (it.tenant.loginMethods?.graduate === false) return ctx.throw(404);
    const t = translator(ctx.state.lang);
    const email = formField(ctx, 'email').trim();
    const values = { email };
    if (!csrfValid(ctx)) return await showLogin(ctx, it, { values, formError: t('form.csrf') }, 403);

    const password = formField(ctx, 'password');
    const secondPassword = formField(ctx, 'secondPassword');
    const fieldErrors: Record<string, string> = {};
    const { address, error: emailError } = mailAddressField(t, email, t('login.email'));
    if (emailError) fieldErrors.email = emailError;
    if (!password) fieldErrors.password = t('form.required', { field: t('login.password') });
    if (!address || Object.keys(fieldErrors).length) return await showLogin(ctx, it, { values, errors: fieldErrors }, 400);

    const accountKey = `login:${it.tenantId}:${address}`;
    const ipKey = `login-ip:${ctx.ip}`;
    const { wait, recorded } = await throttle.check([accountKey, ipKey]);
    if (wait) return await showLogin(ctx, it, { values, formError: t('throttle.wait', { seconds: wait }) }, 429);
    const login = await authenticateGraduate(hasher, it.tenantId, { email: address, password, secondPassword });
    if (!login) {
      await throttle.fail(accountKey, config.throttle.accountFreeFailures);
      await throttle.fail(ipKey, config.throttle.ipFreeFailures);
      await audit(logger, { event: 'login.failed', tenant: it.tenantId, ip: ctx.ip }, 'graduate login failed');
      return await showLogin(ctx, it, { values, formError: t('login.failed') }, 401);
    }
    if (recorded.has(accountKey)) await throttle.reset(accountKey);
    const accountId = login.account._id.toString();
    if (login.mustSetPasswords) {
      // Keycloak's UPDATE_PASSWORD: the login completes only once both passwords are set.
      const expiresAt = new Date(Date.now() + 3600_000);
      await RequiredActionModel.replaceOne({ _id: it.uid }, { action: 'set-passwords', accountId, expiresAt }, { upsert: true });
      await audit(logger, { event: 'login.initial_password', tenant: it.tenantId, account: accountId, ip: ctx.ip });
      ctx.status = 303;
      return ctx.redirect(`/interaction/${it.uid}/set-passwords`);
    }
    await audit(logger, { event: 'login.succeeded', tenant: it.tenantId, account: accountId, ip: ctx.ip });
    ctx.status = 303;
    ctx.redirect(
      await finishLogin(it, login.account, { acr: ACR.passwordAndSecondPassword, amr: AMR.passwordAndSecondPassword }),
    );
  });

  router.use(setPasswordsRoutes(provider, hasher, logger).routes());
  router.use(studentLoginRoutes(deps).routes());
  router.use(consentRoutes(provider, logger).routes());
  return router;
}
