import { inflateRawSync } from 'node:zlib';
import type { SamlIdp } from '../db/models/saml.ts';
import { messageOf } from '../errors.ts';
import { findStudentIdp, idpByEntityId } from './idps.ts';
import { Refusal } from './refusal.ts';
import { type IdpEntity, idpEntity, type ServiceProviders } from './service-provider.ts';
import { xmlHazard } from './xml-hazard.ts';

/** A single-logout message we do not act on; the detail is for the audit log. */
export class LogoutRefusal extends Refusal<'malformed'> {}

/** A single-logout message as it arrived (HTTP-Redirect: the query; HTTP-POST: the form). */
export interface LogoutInput {
  binding: 'redirect' | 'post';
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  /** The raw query string: the HTTP-Redirect signature covers its bytes. */
  querystring: string;
}

/** What a verified message asks: a LogoutResponse ends our own logout; a LogoutRequest names a student to log out. */
export type LogoutMessage =
  | { kind: 'response' }
  | { kind: 'request'; idp: SamlIdp; nameId: string; answer: (relayState?: string) => string };

/** The IdP's university sign-in of one student, as remembered at login. */
export interface IdpSession {
  idpId?: string;
  nameId?: string;
  sessionIndex?: string;
}

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

/** Whether the IdP of a student's university sign-in takes our LogoutRequests. */
export async function offersSingleLogout(idpId: string): Promise<boolean> {
  const idp = await findStudentIdp(idpId);
  return Boolean(idp && offersLogout(idpEntity(idp)));
}

/** The URL of our LogoutRequest to the IdP of a university sign-in of `tenantId`; undefined when it takes none. */
export async function logoutRequestUrl(
  sps: ServiceProviders,
  tenantId: string,
  session: IdpSession,
): Promise<string | undefined> {
  const idp = session.idpId ? await findStudentIdp(session.idpId) : undefined;
  const entity = idp && idp.tenantId === tenantId ? idpEntity(idp) : undefined;
  if (!entity || !offersLogout(entity)) return undefined;
  return sps.entity(tenantId).createLogoutRequest(entity, 'redirect', {
    logoutNameID: session.nameId,
    sessionIndex: session.sessionIndex,
  }).context;
}

/**
 * Reads a single-logout message sent to `tenantId`: without DTD or comments, from a known IdP of the
 * university, signed by its metadata key (samlify). Anything else throws a LogoutRefusal; the database
 * is read outside the refusals, so an outage stays an outage.
 */
export async function readLogoutMessage(sps: ServiceProviders, tenantId: string, input: LogoutInput): Promise<LogoutMessage> {
  const { binding, params } = input;
  const kind =
    typeof params.SAMLRequest === 'string' ? 'SAMLRequest' : typeof params.SAMLResponse === 'string' ? 'SAMLResponse' : undefined;
  if (!kind) throw new LogoutRefusal('malformed', 'no SAML message');
  let xml: string;
  try {
    xml = messageXml(params[kind] as string, binding);
  } catch {
    throw new LogoutRefusal('malformed', 'not base64/deflate');
  }
  const hazard = xmlHazard(xml, { comments: false });
  if (hazard) throw new LogoutRefusal('malformed', hazard);
  const issuer = xml.match(/<(?:\w+:)?Issuer[^>]*>([^<]+)<\//)?.[1]?.trim();
  const idp = issuer ? await idpByEntityId(tenantId, issuer) : undefined;
  if (!idp) throw new LogoutRefusal('malformed', `unknown issuer ${issuer}`);
  const sp = sps.entity(tenantId);
  const from = idpEntity(idp);
  const message = { query: input.query, body: params, octetString: octetString(input.querystring, kind) };
  try {
    if (kind === 'SAMLResponse') {
      await sp.parseLogoutResponse(from, binding, message);
      return { kind: 'response' };
    }
    const parsed = await sp.parseLogoutRequest(from, binding, message);
    const answer = (relayState?: string) =>
      sp.createLogoutResponse(from, { ...parsed }, 'redirect', relayState ? { relayState } : undefined).context;
    return { kind: 'request', idp, nameId: String(parsed.extract.nameID ?? ''), answer };
  } catch (error) {
    throw new LogoutRefusal('malformed', `samlify: ${messageOf(error)}`);
  }
}
