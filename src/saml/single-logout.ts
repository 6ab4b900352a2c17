import { inflateRawSync } from 'node:zlib';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { audit } from '../db/audit.ts';
import { type Account, accountsOfIdpSession } from '../db/identities.ts';
import { messageOf, ServiceError } from '../errors.ts';
import { clearCookie, setCookie } from '../http/cookies.ts';
import { seeOther } from '../http/redirect.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import type { Logger } from '../log.ts';
import { endOtherSessions } from '../oidc/sessions.ts';
import { findStudentIdp, idpByEntityId } from './idps.ts';
import { type IdpEntity, idpEntity, type ServiceProviders } from './service-provider.ts';
import { xmlHazard } from './xml-hazard.ts';

const COOKIE = 'saml_slo';

/** The signed query string of an HTTP-Redirect message, as it was sent (the signature covers the raw bytes). */
function octetString(querystring: string, kind: 'SAMLRequest' | 'SAMLResponse'): string {
  const raw = new Map(querystring.split('&').map((pair) => [pair.split('=')[0] ?? '', pair] as const));
  return [kind, 'RelayState', 'SigAlg'].flatMap((name) => (raw.has(name) ? [raw.get(name) as string] : [])).join('&');
}

function messageXml(encoded: string, binding: 'redirect' | 'post'): string {
  const bytes = Buffer.from(encoded, 'base64');
  return (binding === 'redirect' ? inflateRawSync(bytes) : bytes).toString('utf8');
}

/** The IdP's metadata has an HTTP-Redirect SingleLogoutService (samlify gives back a string then). */
function offersLogout(idp: IdpEntity): boolean {
  const endpoint = idp.entityMeta.getSingleLogoutService('redirect');
  return typeof endpoint === 'string' && endpoint !== '';
}

/**
 * Remembers (in a signed cookie) the university sign-in behind the account menu's session, so that
 * logging out from the menu can also end it at the IdP once our own session has ended.
 */
export async function rememberIdpSession(ctx: Context, account: Account): Promise<void> {
  const session = account.samlSession;
  if (account.kind !== 'student' || !session?.idpId || !session.nameId) return;
  const idp = session.idpId ? await findStudentIdp(session.idpId) : undefined;
  if (!idp || !offersLogout(idpEntity(idp))) return;
  const value = Buffer.from(JSON.stringify(session)).toString('base64url');
  setCookie(ctx, COOKIE, value);
}

/** After our logout: sends a LogoutRequest to the IdP of the remembered sign-in; false when there is none. */
export async function logoutAtIdp(ctx: Context, sps: ServiceProviders, tenantId: string): Promise<boolean> {
  const value = ctx.cookies.get(COOKIE, { signed: true });
  if (!value) return false;
  clearCookie(ctx, COOKIE);
  let session: { idpId?: string; nameId?: string; sessionIndex?: string };
  try {
    session = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return false;
  }
  const idp = session.idpId ? await findStudentIdp(session.idpId) : undefined;
  const entity = idp && idp.tenantId === tenantId ? idpEntity(idp) : undefined;
  if (!entity || !offersLogout(entity)) return false;
  const request = sps.entity(tenantId).createLogoutRequest(entity, 'redirect', {
    logoutNameID: session.nameId,
    sessionIndex: session.sessionIndex,
  });
  seeOther(ctx, request.context);
  return true;
}

/** The IdP's LogoutRequest: every session here of the student it names ends, each audited. */
async function endStudentSessions(tenantId: string, idpId: string, nameId: string, logger: Logger, ip: string) {
  for (const account of await accountsOfIdpSession(tenantId, idpId, nameId)) {
    const ended = await endOtherSessions(account._id.toString());
    await audit(logger, {
      event: 'saml.logout',
      tenant: tenantId,
      account: account._id.toString(),
      idp: idpId,
      endedSessions: ended,
      ip,
    });
  }
}

/**
 * /t/:tenant/saml/slo: single logout with the university's IdP. A LogoutRequest from the IdP (the
 * student logged out there) ends every session of the student here and is answered; a
 * LogoutResponse ends our own logout at the IdP. Both must be signed by the IdP's metadata key.
 */
export function singleLogoutRoutes(sps: ServiceProviders, logger: Logger, body: Middleware): Router {
  const router = new Router();

  const handle = async (ctx: Context) => {
    const tenant = tenantOf(ctx);
    const binding = ctx.method === 'GET' ? 'redirect' : 'post';
    const params = (binding === 'redirect' ? ctx.query : ctx.request.body) as Record<string, unknown>;
    const kind =
      typeof params.SAMLRequest === 'string'
        ? 'SAMLRequest'
        : typeof params.SAMLResponse === 'string'
          ? 'SAMLResponse'
          : undefined;
    const refuse = async (detail: string) => {
      await audit(
        logger,
        { event: 'saml.logout_refused', tenant: tenant._id, detail, ip: ctx.ip },
        'SAML logout message refused',
      );
      throw new ServiceError(400, 'saml.refused.malformed');
    };
    if (!kind) return refuse('no SAML message');
    let xml: string;
    try {
      xml = messageXml(params[kind] as string, binding);
    } catch {
      return refuse('not base64/deflate');
    }
    const hazard = xmlHazard(xml, { comments: false });
    if (hazard) return refuse(hazard);
    const issuer = xml.match(/<(?:\w+:)?Issuer[^>]*>([^<]+)<\//)?.[1]?.trim();
    const idp = issuer ? await idpByEntityId(tenant._id, issuer) : undefined;
    if (!idp) return refuse(`unknown issuer ${issuer}`);
    const sp = sps.entity(tenant._id);
    const from = idpEntity(idp);
    const message = { query: ctx.query, body: params, octetString: octetString(ctx.querystring, kind) };
    // Only samlify's check of the message is a refusal; the database calls after it stay outside the
    // try, so an outage answers 503 (errorPages) instead of being audited as a refused logout.
    let parsed: Awaited<ReturnType<typeof sp.parseLogoutRequest>>;
    try {
      if (kind === 'SAMLResponse') {
        await sp.parseLogoutResponse(from, binding, message);
        return render(ctx, 'logged-out');
      }
      parsed = await sp.parseLogoutRequest(from, binding, message);
    } catch (error) {
      return refuse(`samlify: ${messageOf(error)}`);
    }
    await endStudentSessions(tenant._id, idp._id, String(parsed.extract.nameID ?? ''), logger, ctx.ip);
    const relayState = typeof params.RelayState === 'string' ? params.RelayState : undefined;
    const response = sp.createLogoutResponse(from, { ...parsed }, 'redirect', relayState ? { relayState } : undefined);
    seeOther(ctx, response.context);
  };

  router.get('/slo', handle);
  router.post('/slo', body, handle);
  return router;
}
