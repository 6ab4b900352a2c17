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

/**
 * Checks an HTTP-POST SAMLResponse for `tenantId` the strict way: it must answer a request we sent
 * (InResponseTo) and still await, be signed by that IdP's metadata key (samlify: signature, schema,
 * issuer, validity window), hold exactly one assertion (no wrapping), be addressed to our ACS and
 * entity, be in its time window, and never have been used before.
 */
export async function verifyLoginResponse(sps: ServiceProviders, tenantId: string, encoded: string): Promise<VerifiedAssertion> {
  if (!encoded || encoded.length > MAX_RESPONSE_CHARS) throw new SamlRefusal('malformed', 'missing or oversized SAMLResponse');
  const outer = parse(Buffer.from(encoded, 'base64').toString('utf8'));
  const response = outer.documentElement as unknown as Element | null;
  if (response?.namespaceURI !== PROTOCOL || response.localName !== 'Response') {
    throw new SamlRefusal('malformed', 'not a samlp:Response');
  }
  const requestId = response.getAttribute('InResponseTo') ?? '';
  const request = requestId ? await SamlRequestModel.findById(requestId).lean<SamlRequest>() : null;
  if (!request || request.tenantId !== tenantId || request.expiresAt <= new Date()) {
    throw new SamlRefusal('unknownRequest', `no pending AuthnRequest "${requestId}" (unsolicited responses are refused)`);
  }
  const idp = await findStudentIdp(request.idpId);
  if (!idp) throw new SamlRefusal('unknownRequest', `IdP ${request.idpId} is unknown or disabled`);

  const encrypted = children(outer, ASSERTION, 'EncryptedAssertion').length > 0;
  const result = await verifySignature(sps, tenantId, idp, encoded, encrypted);
  const doc = parse(result.samlContent);
  const assertions = children(doc, ASSERTION, 'Assertion');
  if (assertions.length !== 1 || children(doc, ASSERTION, 'EncryptedAssertion').length > (encrypted ? 1 : 0)) {
    throw new SamlRefusal('malformed', `expected exactly one assertion, found ${assertions.length} (signature wrapping?)`);
  }
  const assertion = assertions[0] as Element;

  const acs = sps.acsUrl(tenantId);
  const destination = response.getAttribute('Destination');
  if (destination && destination !== acs) throw new SamlRefusal('recipient', `Destination ${destination} is not our ACS`);
  const now = Date.now();
  const skew = sps.clockSkewMs;
  const confirmation = children(assertion, ASSERTION, 'SubjectConfirmation').find((c) => c.getAttribute('Method') === BEARER);
  const data = confirmation && first(confirmation, ASSERTION, 'SubjectConfirmationData');
  if (!data) throw new SamlRefusal('recipient', 'no bearer SubjectConfirmationData');
  if (data.getAttribute('Recipient') !== acs)
    throw new SamlRefusal('recipient', `Recipient ${data.getAttribute('Recipient')} is not our ACS`);
  if (data.getAttribute('InResponseTo') !== request._id)
    throw new SamlRefusal('unknownRequest', 'the assertion answers another request');
  const confirmUntil = Date.parse(data.getAttribute('NotOnOrAfter') ?? '');
  if (!(confirmUntil + skew > now)) throw new SamlRefusal('expired', 'SubjectConfirmationData NotOnOrAfter has passed');
  const conditions = first(assertion, ASSERTION, 'Conditions');
  const notBefore = Date.parse(conditions?.getAttribute('NotBefore') ?? '');
  const notOnOrAfter = Date.parse(conditions?.getAttribute('NotOnOrAfter') ?? '');
  if (notBefore - skew > now || !(notOnOrAfter + skew > now)) throw new SamlRefusal('expired', 'outside the Conditions window');
  const audiences = conditions ? children(conditions, ASSERTION, 'Audience').map((a) => a.textContent?.trim()) : [];
  if (!audiences.includes(sps.entityId(tenantId)))
    throw new SamlRefusal('audience', `Audience ${audiences.join(', ')} is not us`);

  const assertionId = assertion.getAttribute('ID') ?? '';
  const keepMs = Math.max(notOnOrAfter - now, 0) + skew + DAY_MS;
  if (!(await claimOnce(`saml-assertion:${idp._id}:${assertionId}`, keepMs))) {
    throw new SamlRefusal('replayed', `assertion ${assertionId} was already used`);
  }
  if (!(await claimOnce(`saml-request:${request._id}`, keepMs)))
    throw new SamlRefusal('replayed', 'the request was already answered');

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
    assertionId,
    nameId: nameIdElement?.textContent?.trim() ?? '',
    nameIdFormat: nameIdElement?.getAttribute('Format') ?? '',
    sessionIndex: first(assertion, ASSERTION, 'AuthnStatement')?.getAttribute('SessionIndex') ?? '',
    authnContext: first(assertion, ASSERTION, 'AuthnContextClassRef')?.textContent?.trim() ?? '',
    attributes,
  };
}
