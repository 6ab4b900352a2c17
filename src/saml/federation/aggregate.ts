import { verify, X509Certificate } from 'node:crypto';
import { ExclusiveCanonicalization, ExclusiveCanonicalizationWithComments } from 'xml-crypto';
import { messageOf } from '../../errors.ts';
import { METADATA_NS } from '../namespaces.ts';
import { DIGEST_METHODS, type ReadAggregate, readAggregate } from './aggregate-reader.ts';
import { AggregateRefusal } from './aggregate-refusal.ts';
import { childrenNS, type FederationIdp } from './entities.ts';
import { schemaErrors } from './schema.ts';

const DS = METADATA_NS.ds;
/** SHA-1 signatures are refused: federations have signed with SHA-256 or stronger for a decade. */
const SIGNATURE_METHODS: Record<string, string> = {
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384': 'sha384',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': 'sha512',
};
const EXCLUSIVE = {
  'http://www.w3.org/2001/10/xml-exc-c14n#': ExclusiveCanonicalization,
  'http://www.w3.org/2001/10/xml-exc-c14n#WithComments': ExclusiveCanonicalizationWithComments,
} as const;
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const CHUNK = 1 << 20;

export interface VerifiedAggregate {
  validUntil: Date;
  /** Entity descriptors in the aggregate (IdPs and SPs). */
  entityCount: number;
  /** The IdPs usable for SAML 2.0 login; the others (SPs, IdPs without a key or endpoint) are left out. */
  idps: FederationIdp[];
  skipped: number;
}

/** What verifyAggregate says of an aggregate whose IdPs it handed on as it read them. */
export type AggregateSummary = Omit<VerifiedAggregate, 'idps'>;

const children = (parent: Element | undefined, local: string) => (parent ? childrenNS(parent, DS, local) : []);
const algorithm = (parent: Element | undefined, local: string) => children(parent, local)[0]?.getAttribute('Algorithm') ?? '';
const base64 = (element: Element | undefined) => (element?.textContent ?? '').replace(/\s+/g, '');
const refuse = (detail: string) => new AggregateRefusal('signature', detail);

/**
 * What the enveloped signature says, checked to be the one form we verify: one reference, to the
 * root's ID, with the enveloped-signature transform and exclusive c14n (what federations' signing
 * tools write), digested with SHA-256 or stronger, whose digest is that of the aggregate as read.
 */
function signedInfoOf(read: ReadAggregate): { signedInfo: Element; hash: string; canonicalization: keyof typeof EXCLUSIVE } {
  if (!read.signature) throw new AggregateRefusal('unsigned', 'the aggregate carries no signature');
  const [signedInfo, ...more] = children(read.signature, 'SignedInfo');
  if (!signedInfo || more.length) throw refuse('the signature must have one SignedInfo');
  const canonicalization = algorithm(signedInfo, 'CanonicalizationMethod');
  if (!(canonicalization in EXCLUSIVE)) throw refuse(`canonicalization ${canonicalization} is not accepted`);
  const method = algorithm(signedInfo, 'SignatureMethod');
  const hash = SIGNATURE_METHODS[method];
  if (!hash) throw refuse(`signature method ${method} is not accepted`);
  const references = children(signedInfo, 'Reference');
  const reference = references[0];
  if (references.length !== 1 || !read.id || reference?.getAttribute('URI') !== `#${read.id}`) {
    throw refuse('the signature must have one reference, to the whole aggregate');
  }
  const transforms = children(children(reference, 'Transforms')[0], 'Transform');
  const [enveloped, exclusive] = transforms.map((transform) => transform.getAttribute('Algorithm') ?? '');
  if (transforms.length !== 2 || enveloped !== ENVELOPED || !(exclusive && exclusive in EXCLUSIVE)) {
    throw refuse('the reference must name the enveloped-signature transform and exclusive c14n, nothing else');
  }
  if (Array.from(transforms[1]?.childNodes ?? []).some((node) => node.nodeType === 1)) {
    throw refuse('an InclusiveNamespaces prefix list is not accepted');
  }
  const digestMethod = algorithm(reference, 'DigestMethod');
  if (!DIGEST_METHODS[digestMethod] || !read.digest) throw refuse(`digest method ${digestMethod} is not accepted`);
  if (base64(children(reference, 'DigestValue')[0]) !== read.digest) {
    throw refuse("the aggregate's content does not match its signature's digest (it was changed after signing)");
  }
  return { signedInfo, hash, canonicalization: canonicalization as keyof typeof EXCLUSIVE };
}

/** Verifies the SignedInfo with one of the federation's certificates (two during a rollover). */
function checkSignature(read: ReadAggregate, certificates: string[]): void {
  const { signedInfo, hash, canonicalization } = signedInfoOf(read);
  const signed = Buffer.from(new EXCLUSIVE[canonicalization]().process(signedInfo, {}));
  const value = Buffer.from(base64(children(read.signature, 'SignatureValue')[0]), 'base64');
  const errors: string[] = [];
  for (const certificate of certificates) {
    try {
      if (verify(hash, signed, new X509Certificate(certificate).publicKey, value)) return;
    } catch (error) {
      errors.push(messageOf(error));
    }
  }
  throw refuse(`no federation certificate verifies the signature ${errors.join('; ')}`.trim());
}

/** xmllint stops with status 1 when the document is not well-formed XML (its parser's error says where). */
function notWellFormed(error: Error & { code?: number }): never {
  if (error.code !== 1) throw error;
  const line = error.message.split('\n').find((text) => text.includes('parser error')) ?? 'failed to parse';
  throw new AggregateRefusal('malformed', `not well-formed XML: ${line.replace(/^aggregate\.xml:/, 'line ')}`);
}

/** The bytes as text, a MiB at a time: the whole text is never held at once. */
function* utf8(bytes: Uint8Array): Generator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for (let at = 0; at < bytes.byteLength; at += CHUNK) {
      yield decoder.decode(bytes.subarray(at, at + CHUNK), { stream: at + CHUNK < bytes.byteLength });
    }
  } catch (error) {
    if (error instanceof TypeError) throw new AggregateRefusal('malformed', 'the aggregate is not UTF-8 text');
    throw error;
  }
}

/**
 * Requirement X2.1. Checks a federation's metadata aggregate the way Shibboleth SP's signature, schema and
 * RequireValidUntil filters do, and reads its IdPs. Anything wrong throws an AggregateRefusal;
 * nothing of a refused aggregate may be used. The text is read in one streaming pass and the schema is
 * checked by libxml2's streaming validator, so an aggregate of eduGAIN's size fits the parse budget.
 */
export async function verifyAggregate(
  bytes: Uint8Array,
  certificates: string[],
  now: Date,
  onIdp: (idp: FederationIdp) => void,
): Promise<AggregateSummary> {
  // The schema check first, the text's pass after it: their memory is never needed at the same time.
  if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes('<!DOCTYPE')) {
    throw new AggregateRefusal('malformed', 'document type declarations are refused (XXE)');
  }
  const errors = await schemaErrors(bytes).catch(notWellFormed);
  if (errors.length) throw new AggregateRefusal('schema', `not schema-valid: ${errors.slice(0, 3).join('; ')}`);
  // The IdPs are handed on before the signature is checked (it is known only at the end): the
  // caller uses none of them unless this returns.
  const read = readAggregate(utf8(bytes), now, onIdp);
  checkSignature(read, certificates);
  const { validUntil, idpCount, entityCount } = read;
  if (Number.isNaN(validUntil.getTime())) throw new AggregateRefusal('expired', 'the aggregate has no validUntil');
  if (validUntil <= now) throw new AggregateRefusal('expired', `the aggregate expired at ${validUntil.toISOString()}`);
  return { validUntil, entityCount, skipped: entityCount - idpCount };
}
