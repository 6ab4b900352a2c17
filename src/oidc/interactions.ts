import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { TenantModel, tenantBranding } from '../db/models/tenant.ts';
import { formBody, formField } from '../http/form.ts';
import { rememberLang } from '../http/lang.ts';
import { type Branding, render } from '../http/views.ts';
import { pickLang, translator } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import { csrfValid } from '../security/csrf.ts';
import type { SecretHasher } from '../security/secrets.ts';
import { authenticateGraduate, recordLogin } from '../strategies/graduate-password.ts';
import { ACR, AMR } from './acr.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface InteractionContext {
  uid: string;
  tenantId: string;
  branding: Branding;
  details: Awaited<ReturnType<Provider['interactionDetails']>>;
}

/** Loads the interaction, its relying party and that party's university; undefined if expired. */
async function loadInteraction(ctx: Context, provider: Provider): Promise<InteractionContext | undefined> {
  let details: InteractionContext['details'];
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (error) {
    if (error instanceof errors.SessionNotFound) return undefined;
    throw error;
  }
  const client = await provider.Client.find(String(details.params.client_id));
  const tenant = client ? await TenantModel.findById(client.tenant).lean() : null;
  if (!tenant) return undefined;
  // The relying party's ui_locales apply once per interaction; the pull-down overrides it after.
  const uiLang = pickLang(details.params.ui_locales as string | undefined);
  if (uiLang && ctx.cookies.get('lang_uid') !== details.uid) {
    rememberLang(ctx, uiLang);
    ctx.cookies.set('lang_uid', details.uid, { httpOnly: true, sameSite: 'lax', secure: ctx.secure });
  }
  return { uid: details.uid, tenantId: tenant._id, branding: tenantBranding(tenant, ctx.state.lang), details };
}

function expired(ctx: Context): void {
  render(ctx, 'error', { messageKey: 'error.sessionExpired' }, 400);
}

function showLogin(ctx: Context, it: InteractionContext, extra: Record<string, unknown> = {}, status = 200): void {
  render(
    ctx,
    'login',
    {
      uid: it.uid,
      tenantId: it.tenantId,
      branding: it.branding,
      values: { email: it.details.params.login_hint ?? '' },
      errors: {},
      ...extra,
    },
    status,
  );
}

export function interactionRoutes(provider: Provider, hasher: SecretHasher, logger: Logger): Router {
  const router = new Router({ prefix: '/interaction/:uid' });

  router.get('/', async (ctx) => {
    const it = await loadInteraction(ctx, provider);
    if (!it) return expired(ctx);
    if (it.details.prompt.name === 'login') return showLogin(ctx, it);
    render(ctx, 'error', { messageKey: 'consent.unavailable', branding: it.branding }, 403);
  });

  router.post('/login', formBody, async (ctx) => {
    const it = await loadInteraction(ctx, provider);
    if (it?.details.prompt.name !== 'login') return expired(ctx);
    const t = translator(ctx.state.lang);
    const email = formField(ctx, 'email').trim();
    const values = { email };
    if (!csrfValid(ctx)) return showLogin(ctx, it, { values, formError: t('form.csrf') }, 403);

    const password = formField(ctx, 'password');
    const secondPassword = formField(ctx, 'secondPassword');
    const fieldErrors: Record<string, string> = {};
    if (!email) fieldErrors.email = t('form.required', { field: t('login.email') });
    else if (email.length > 254 || !EMAIL.test(email)) fieldErrors.email = t('form.email');
    if (!password) fieldErrors.password = t('form.required', { field: t('login.password') });
    if (Object.keys(fieldErrors).length) return showLogin(ctx, it, { values, errors: fieldErrors }, 400);

    const account = await authenticateGraduate(hasher, it.tenantId, { email, password, secondPassword });
    if (!account) {
      logger.info({ event: 'login.failed', tenant: it.tenantId, ip: ctx.ip }, 'graduate login failed');
      return showLogin(ctx, it, { values, formError: t('login.failed') }, 401);
    }
    await recordLogin(account);
    logger.info({ event: 'login.succeeded', tenant: it.tenantId, account: account._id.toString(), ip: ctx.ip });
    const returnTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      {
        login: {
          accountId: account._id.toString(),
          acr: ACR.passwordAndSecondPassword,
          amr: [...AMR.passwordAndSecondPassword],
          remember: false,
        },
      },
      { mergeWithLastSubmission: false },
    );
    ctx.status = 303;
    ctx.redirect(returnTo);
  });

  return router;
}
