import { claimOnce } from '../db/claim.ts';
import { type SamlIdp, type SamlRequest, SamlRequestModel } from '../db/models/saml.ts';
import { attributeNames } from './attributes.ts';
import { findStudentIdp } from './idps.ts';
import { Refusal } from './refusal.ts';
import { idpEntity, type ServiceProviders } from './service-provider.ts';
import { parseSafely } from './xml-hazard.ts';

const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const MAX_RESPONSE_CHARS = 400_000;
const DAY_MS = 86_400_000;

/** Why a SAML response was refused; each has its own message on the error page. */
export type RefusalReason = 'malformed' | 'unknownRequest' | 'signature' | 'audience' | 'recipient' | 'expired' | 'replayed';

export class SamlRefusal extends Refusal<RefusalReason> {}

/** What a verified assertion says, read only from the one signed assertion. */
export interface VerifiedAssertion {
  request: SamlRequest;
  idp: SamlIdp;
  assertionId: string;
  nameId: string;
  nameIdFormat: string;
  sessionIndex: string;
  /** The AuthnContextClassRef the IdP asserted (how the person signed in there), or ''. */
  authnContext: string;
  attributes: Record<string, string[]>;
}

const parse = (xml: string) => parseSafely(xml, { comments: false }, (detail) => new SamlRefusal('malformed', detail));

const children = (parent: Element | Document, ns: string, name: string) =>
  Array.from(parent.getElementsByTagNameNS(ns, name)) as unknown as Element[];

const first = (parent: Element | Document, ns: string, name: string) => children(parent, ns, name)[0];

/** Parses the response with each published SP key in turn: the IdP encrypted to one of them. */
async function verifySignature(sps: ServiceProviders, tenantId: string, idp: SamlIdp, encoded: string, encrypted: boolean) {
  let lastError: unknown;
  for (const key of encrypted ? sps.keys : [sps.signingKey()]) {
    try {
      return await sps
        .entity(tenantId, key)
        .parseLoginResponse(idpEntity(idp, encrypted), 'post', { body: { SAMLResponse: encoded } });
    } catch (error) {
      lastError = error;
    }
  }
  const detail = lastError instanceof Error ? lastError.message : String(lastError);
  // samlify checks the validity window together with the signature; its codes tell which failed.
  const reason = /ERR_SUBJECT_UNCONFIRMED|ERR_EXPIRED_SESSION/.test(detail) ? 'expired' : 'signature';
  throw new SamlRefusal(reason, `samlify refused the response: ${detail}`);
}

/** What the checks learn, in order; each check reads what the ones before it set. */
interface Checking {
  sps: ServiceProviders;
  tenantId: string;
  encoded: string;
  now: number;
  outer: Document;
  response: Element;
  request: SamlRequest;
  idp: SamlIdp;
  assertion: Element;
  /** The end of the assertion's Conditions window. */
  notOnOrAfter: number;
}
type Check = (c: Checking) => Promise<void> | void;

/** A samlp:Response of a size we read, well-formed, without DTD or comments. */
const wellFormed: Check = (c) => {
  if (!c.encoded || c.encoded.length > MAX_RESPONSE_CHARS)
    throw new SamlRefusal('malformed', 'missing or oversized SAMLResponse');
  c.outer = parse(Buffer.from(c.encoded, 'base64').toString('utf8'));
  const response = c.outer.documentElement as unknown as Element | null;
  if (response?.namespaceURI !== PROTOCOL || response.localName !== 'Response') {
    throw new SamlRefusal('malformed', 'not a samlp:Response');
  }
  c.response = response;
};

/** It answers an AuthnRequest of ours that still waits (InResponseTo), from an IdP still in use. */
const answersOurRequest: Check = async (c) => {
  const requestId = c.response.getAttribute('InResponseTo') ?? '';
  const request = requestId ? await SamlRequestModel.findById(requestId).lean<SamlRequest>() : null;
  if (!request || request.tenantId !== c.tenantId || request.expiresAt <= new Date()) {
    throw new SamlRefusal('unknownRequest', `no pending AuthnRequest "${requestId}" (unsolicited responses are refused)`);
  }
  const idp = await findStudentIdp(request.idpId);
  if (!idp) throw new SamlRefusal('unknownRequest', `IdP ${request.idpId} is unknown or disabled`);
  c.request = request;
  c.idp = idp;
};

/** Signed by that IdP's metadata key (samlify: signature, schema, issuer, validity), holding exactly one assertion. */
const oneSignedAssertion: Check = async (c) => {
  const encrypted = children(c.outer, ASSERTION, 'EncryptedAssertion').length > 0;
  const result = await verifySignature(c.sps, c.tenantId, c.idp, c.encoded, encrypted);
  const doc = parse(result.samlContent);
  const assertions = children(doc, ASSERTION, 'Assertion');
  if (assertions.length !== 1 || children(doc, ASSERTION, 'EncryptedAssertion').length > (encrypted ? 1 : 0)) {
    throw new SamlRefusal('malformed', `expected exactly one assertion, found ${assertions.length} (signature wrapping?)`);
  }
  c.assertion = assertions[0] as Element;
};

/** Addressed to our ACS (Destination, bearer Recipient), confirming the same request, not yet past its confirmation time. */
const addressedToUs: Check = (c) => {
  const acs = c.sps.acsUrl(c.tenantId);
  const destination = c.response.getAttribute('Destination');
  if (destination && destination !== acs) throw new SamlRefusal('recipient', `Destination ${destination} is not our ACS`);
  const confirmation = children(c.assertion, ASSERTION, 'SubjectConfirmation').find((s) => s.getAttribute('Method') === BEARER);
  const data = confirmation && first(confirmation, ASSERTION, 'SubjectConfirmationData');
  if (!data) throw new SamlRefusal('recipient', 'no bearer SubjectConfirmationData');
  if (data.getAttribute('Recipient') !== acs)
    throw new SamlRefusal('recipient', `Recipient ${data.getAttribute('Recipient')} is not our ACS`);
  if (data.getAttribute('InResponseTo') !== c.request._id)
    throw new SamlRefusal('unknownRequest', 'the assertion answers another request');
  const confirmUntil = Date.parse(data.getAttribute('NotOnOrAfter') ?? '');
  if (!(confirmUntil + c.sps.clockSkewMs > c.now))
    throw new SamlRefusal('expired', 'SubjectConfirmationData NotOnOrAfter has passed');
};

/** Inside its Conditions window (with the allowed clock skew) and for our entity ID. */
const meantForUsNow: Check = (c) => {
  const skew = c.sps.clockSkewMs;
  const conditions = first(c.assertion, ASSERTION, 'Conditions');
  const notBefore = Date.parse(conditions?.getAttribute('NotBefore') ?? '');
  c.notOnOrAfter = Date.parse(conditions?.getAttribute('NotOnOrAfter') ?? '');
  if (notBefore - skew > c.now || !(c.notOnOrAfter + skew > c.now))
    throw new SamlRefusal('expired', 'outside the Conditions window');
  const audiences = conditions ? children(conditions, ASSERTION, 'Audience').map((a) => a.textContent?.trim()) : [];
  if (!audiences.includes(c.sps.entityId(c.tenantId)))
    throw new SamlRefusal('audience', `Audience ${audiences.join(', ')} is not us`);
};

/** Never used before: the assertion and the request are each claimed once, for longer than either could be replayed. */
const usedOnce: Check = async (c) => {
  const assertionId = c.assertion.getAttribute('ID') ?? '';
  const keepMs = Math.max(c.notOnOrAfter - c.now, 0) + c.sps.clockSkewMs + DAY_MS;
  if (!(await claimOnce(`saml-assertion:${c.idp._id}:${assertionId}`, keepMs))) {
    throw new SamlRefusal('replayed', `assertion ${assertionId} was already used`);
  }
  if (!(await claimOnce(`saml-request:${c.request._id}`, keepMs)))
    throw new SamlRefusal('replayed', 'the request was already answered');
};

/** The checks of a login response, in the order they run; the first that fails refuses it. */
const CHECKS: Check[] = [wellFormed, answersOurRequest, oneSignedAssertion, addressedToUs, meantForUsNow, usedOnce];

/** What the one checked assertion says: NameID, session, how the person signed in, and its attributes. */
function readAssertion({ request, idp, assertion }: Checking): VerifiedAssertion {
  const nameIdElement = first(assertion, ASSERTION, 'NameID');
  const attributes: Record<string, string[]> = {};
  // Each attribute under its Name, its FriendlyName and the friendly name of its urn:oid name.
  for (const attribute of children(assertion, ASSERTION, 'Attribute')) {
    const values = children(attribute, ASSERTION, 'AttributeValue').map((v) => v.textContent?.trim() ?? '');
    const names = attributeNames(attribute.getAttribute('Name') ?? '', attribute.getAttribute('FriendlyName') ?? '');
    for (const name of names) attributes[name] = [...(attributes[name] ?? []), ...values.filter(Boolean)];
  }
  return {
    request,
    idp,
    assertionId: assertion.getAttribute('ID') ?? '',
    nameId: nameIdElement?.textContent?.trim() ?? '',
    nameIdFormat: nameIdElement?.getAttribute('Format') ?? '',
    sessionIndex: first(assertion, ASSERTION, 'AuthnStatement')?.getAttribute('SessionIndex') ?? '',
    authnContext: first(assertion, ASSERTION, 'AuthnContextClassRef')?.textContent?.trim() ?? '',
    attributes,
  };
}

/**
 * Checks an HTTP-POST SAMLResponse for `tenantId` the strict way (CHECKS, in order): it must answer a
 * request we sent (InResponseTo) and still await, be signed by that IdP's metadata key (samlify:
 * signature, schema, issuer, validity window), hold exactly one assertion (no wrapping), be addressed
 * to our ACS and entity, be in its time window, and never have been used before.
 */
export async function verifyLoginResponse(sps: ServiceProviders, tenantId: string, encoded: string): Promise<VerifiedAssertion> {
  // Filled in by the checks, each setting what the next ones read.
  const checking = { sps, tenantId, encoded, now: Date.now() } as Checking;
  for (const check of CHECKS) await check(checking);
  return readAssertion(checking);
}
