import { createServer } from 'node:http';
import * as oidc from 'openid-client';
import { Browser, formAction, inputValue } from './browser.ts';
import { REDIRECT_URI } from './service.ts';

/**
 * A relying party built with openid-client, as a university system would integrate. With `via`, its
 * back-channel calls (discovery, token, userinfo) go to another instance of the same issuer, as a
 * load balancer would send them.
 */
export async function relyingParty(issuer: string, clientId: string, clientSecret?: string, via?: string) {
  const origin = new URL(issuer).origin;
  const rp = await oidc.discovery(
    new URL(issuer),
    clientId,
    clientSecret ? { client_secret: clientSecret } : undefined,
    clientSecret ? oidc.ClientSecretBasic(clientSecret) : oidc.None(),
    { execute: [oidc.allowInsecureRequests] },
  );
  if (via) rp[oidc.customFetch] = (url, options) => fetch(url.replace(origin, via), options as RequestInit);
  return rp;
}

/** A relying party's back-channel logout endpoint on loopback: it keeps every logout token it is sent. */
export async function startBackchannelReceiver() {
  const logoutTokens: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      logoutTokens.push(new URLSearchParams(body).get('logout_token') ?? '');
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/backchannel-logout`;
  const close = () =>
    new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
  return { url, logoutTokens, close };
}

export interface StartedLogin {
  browser: Browser;
  page: string;
  pageUrl: string;
  verifier: string;
  state: string;
  nonce: string;
}

/** The person clicks "log in" at the relying party and lands on our login page. */
export async function startLogin(
  rp: oidc.Configuration,
  params: Record<string, string> = {},
  browser = new Browser(),
): Promise<StartedLogin> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(rp, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile university offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  const { url: pageUrl, response } = await browser.follow(url.href, {}, REDIRECT_URI);
  return { browser, page: (await response?.text()) ?? '', pageUrl, verifier, state, nonce };
}

/** Submits the graduate login form; returns where the browser ends up and the page if it stays. */
export async function submitGraduateLogin(
  login: StartedLogin,
  credentials: { email: string; password: string; secondPassword: string },
) {
  const action = new URL(formAction(login.page, '/login'), login.pageUrl).href;
  const result = await login.browser.postForm(action, { _csrf: inputValue(login.page, '_csrf'), ...credentials }, REDIRECT_URI);
  return { url: result.url, status: result.response?.status, page: (await result.response?.text()) ?? '' };
}

export async function completeLogin(
  rp: oidc.Configuration,
  credentials: { email: string; password: string; secondPassword: string },
  params: Record<string, string> = {},
  browser = new Browser(),
) {
  const login = await startLogin(rp, params, browser);
  const result = await submitGraduateLogin(login, credentials);
  if (!result.url.startsWith(REDIRECT_URI))
    throw new Error(`login did not return to the relying party: ${result.status} ${result.page.slice(0, 300)}`);
  const tokens = await oidc.authorizationCodeGrant(rp, new URL(result.url), {
    pkceCodeVerifier: login.verifier,
    expectedState: login.state,
    expectedNonce: login.nonce,
  });
  return { tokens, browser: login.browser };
}
