import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import Koa, { type Context } from 'koa';
import * as oidc from 'openid-client';
import { formBody, formField } from '../http/form.ts';
import { securityHeaders } from '../http/security-headers.ts';
import { startingServer } from '../http/starting-server.ts';
import { staticRoutes } from '../http/static.ts';
import { render } from '../http/views.ts';
import { formatDateTime, isLang, type Lang } from '../i18n/index.ts';

/**
 * A small certificate front end, to click through in development and to drive in browser tests: an
 * ordinary relying party (openid-client, code flow with PKCE) with the "Select printing destination"
 * page of the manuals. It is not part of the identity provider.
 */
export interface DemoFrontendOptions {
  issuer: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  port: number;
}

interface DemoSession {
  lang: Lang;
  pending?: { verifier: string; state: string; nonce: string };
  idToken?: string;
  sid?: string;
  claims?: oidc.IDToken;
}

/** "Select printing destination": the claims the relying party received, and the account menu. */
function destination(session: (ctx: Context) => DemoSession, account: (path: string, lang: Lang) => string) {
  return function printingDestination(ctx: Context) {
    const s = session(ctx);
    if (!s.claims) return ctx.redirect('/login');
    const previous = s.claims.previous_login_at as number | null;
    const studentIds = (s.claims.student_ids ?? []) as Array<Record<string, string>>;
    const menu = {
      personal: account('/personal', s.lang),
      email: account('/email', s.lang),
      studentId: account('/student-id', s.lang),
      password: account('/password', s.lang),
      secondPassword: account('/second-password', s.lang),
      account: account('', s.lang),
    };
    const previousLogin = previous ? formatDateTime(previous * 1000, s.lang) : undefined;
    const graduate = s.claims.account_kind !== 'student';
    render(ctx, 'demo/destination', { name: s.claims.name, previous: previousLogin, studentIds, menu, graduate });
  };
}

/** The provider tells us when the login session ended elsewhere (OpenID Connect Back-Channel Logout). */
function backchannelLogout(options: DemoFrontendOptions, sessions: Map<string, DemoSession>) {
  const jwks = createRemoteJWKSet(new URL(`${options.issuer}/jwks`));
  return async function endSessions(ctx: Context): Promise<void> {
    try {
      const { payload } = await jwtVerify(formField(ctx, 'logout_token', 8000), jwks, {
        issuer: options.issuer,
        audience: options.clientId,
      });
      for (const s of sessions.values()) {
        if (s.sid && s.sid === payload.sid) {
          s.claims = undefined;
          s.idToken = undefined;
        }
      }
      ctx.status = 200;
    } catch {
      ctx.status = 400;
    }
  };
}

/** GET /callback: the code exchanged (PKCE, state, nonce checked by openid-client), the claims kept in the session. */
function callback(config: oidc.Configuration, url: string, session: (ctx: Context) => DemoSession) {
  return async (ctx: Context) => {
    const s = session(ctx);
    if (!s.pending) return ctx.redirect('/');
    const tokens = await oidc.authorizationCodeGrant(config, new URL(ctx.href.replace(/^http:\/\/[^/]+/, url)), {
      pkceCodeVerifier: s.pending.verifier,
      expectedState: s.pending.state,
      expectedNonce: s.pending.nonce,
    });
    s.pending = undefined;
    s.claims = tokens.claims();
    s.idToken = tokens.id_token;
    s.sid = s.claims?.sid as string | undefined;
    ctx.redirect('/destination');
  };
}

export async function startDemoFrontend(
  options: DemoFrontendOptions,
): Promise<{ url: string; server: Server; stop: () => Promise<void> }> {
  const { server, ready } = startingServer();
  await new Promise<void>((done) => server.listen(options.port, '127.0.0.1', () => done()));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  const config = await oidc
    .discovery(new URL(options.issuer), options.clientId, options.clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    })
    .catch((error) => {
      server.close();
      throw error;
    });
  const sessions = new Map<string, DemoSession>();
  const session = (ctx: Context): DemoSession => {
    let id = ctx.cookies.get('demo_sid');
    if (!id || !sessions.has(id)) {
      id = randomBytes(16).toString('base64url');
      sessions.set(id, { lang: 'ja' });
      ctx.cookies.set('demo_sid', id, { httpOnly: true, sameSite: 'lax' });
    }
    return sessions.get(id) as DemoSession;
  };
  // With our client_id, so that the account pages lead back here.
  const account = (path: string, lang: Lang) =>
    `${options.issuer}/t/${options.tenantId}/account${path}?lang=${lang}&client_id=${encodeURIComponent(options.clientId)}`;

  const router = new Router();
  router.use(async (ctx, next) => {
    const s = session(ctx);
    if (isLang(ctx.query.lang)) s.lang = ctx.query.lang;
    ctx.state.lang = s.lang;
    ctx.state.csrfToken = '';
    ctx.state.branding = { university: 'デモ大学 / Demo University', inquiry: '' };
    await next();
  });

  router.get('/', (ctx) => render(ctx, 'demo/top', { loggedIn: Boolean(session(ctx).claims) }));

  router.get('/login', async (ctx) => {
    const s = session(ctx);
    s.pending = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
    const target = oidc.buildAuthorizationUrl(config, {
      redirect_uri: `${url}/callback`,
      scope: 'openid email profile university',
      code_challenge: await oidc.calculatePKCECodeChallenge(s.pending.verifier),
      code_challenge_method: 'S256',
      state: s.pending.state,
      nonce: s.pending.nonce,
      ui_locales: s.lang,
    });
    ctx.redirect(target.href);
  });

  router.get('/callback', callback(config, url, session));

  router.get('/destination', destination(session, account));

  router.get('/logout', (ctx) => {
    const s = session(ctx);
    const idToken = s.idToken;
    s.claims = undefined;
    s.idToken = undefined;
    if (!idToken) return ctx.redirect('/');
    ctx.redirect(oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: `${url}/` }).href);
  });

  router.post('/backchannel-logout', formBody, backchannelLogout(options, sessions));

  const app = new Koa();
  app.use(securityHeaders());
  app.use(staticRoutes().routes());
  app.use(router.routes());
  ready(app.callback());
  return { url, server, stop: () => new Promise<void>((done) => server.close(() => done())) };
}
