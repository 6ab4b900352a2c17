import { XMLSerializer } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { METADATA_NS } from '../namespaces.ts';
import { Refusal } from '../refusal.ts';
import { parseSafely } from '../xml-hazard.ts';
import { type FederationIdp, readIdps } from './entities.ts';
import { schemaErrors } from './schema.ts';

const { md: MD, ds: DS } = METADATA_NS;
/** SHA-1 signatures are refused: federations have signed with SHA-256 or stronger for a decade. */
const SIGNATURE_METHODS = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
]);

/** Why an aggregate was refused (the previous good copy stays in use). */
export type AggregateReason = 'malformed' | 'unsigned' | 'signature' | 'schema' | 'expired' | 'too-large' | 'fetch';

export class AggregateRefusal extends Refusal<AggregateReason> {}

export interface VerifiedAggregate {
  validUntil: Date;
  /** Entity descriptors in the aggregate (IdPs and SPs). */
  entityCount: number;
  /** The IdPs usable for SAML 2.0 login; the others (SPs, IdPs without a key or endpoint) are left out. */
  idps: FederationIdp[];
  skipped: number;
}

const parse = (xml: string) => parseSafely(xml, { comments: true }, (detail) => new AggregateRefusal('malformed', detail));

/**
 * The enveloped signature over the whole aggregate: a ds:Signature child of the root whose one
 * reference names the root's ID, made with SHA-256 or stronger. Returns the signature's XML.
 */
function signatureOf(root: Element): string {
  const signature = Array.from(root.childNodes).find(
    (node) => (node as Element).namespaceURI === DS && (node as Element).localName === 'Signature',
  ) as Element | undefined;
  if (!signature) throw new AggregateRefusal('unsigned', 'the aggregate carries no signature');
  const method = signature.getElementsByTagNameNS(DS, 'SignatureMethod')[0]?.getAttribute('Algorithm') ?? '';
  if (!SIGNATURE_METHODS.has(method)) throw new AggregateRefusal('signature', `signature method ${method} is not accepted`);
  const references = Array.from(signature.getElementsByTagNameNS(DS, 'Reference'));
  const id = root.getAttribute('ID');
  if (references.length !== 1 || !id || references[0]?.getAttribute('URI') !== `#${id}`) {
    throw new AggregateRefusal('signature', 'the signature must have one reference, to the whole aggregate');
  }
  return new XMLSerializer().serializeToString(signature as unknown as Node);
}

/** Verifies the signature with one of the federation's certificates (two during a rollover). */
function checkSignature(xml: string, signature: string, certificates: string[]): void {
  const errors: string[] = [];
  for (const publicCert of certificates) {
    const verifier = new SignedXml({ publicCert, getCertFromKeyInfo: () => null });
    try {
      verifier.loadSignature(signature);
      if (verifier.checkSignature(xml)) return;
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  throw new AggregateRefusal('signature', `no federation certificate verifies the signature ${errors.join('; ')}`.trim());
}

/** What the aggregate says, read from our own parse (which is dropped before the signature check parses again). */
function readAggregate(xml: string, now: Date) {
  const root = parse(xml).documentElement as unknown as Element | null;
  if (root?.namespaceURI !== MD || (root.localName !== 'EntitiesDescriptor' && root.localName !== 'EntityDescriptor')) {
    throw new AggregateRefusal('malformed', 'not SAML metadata (md:EntitiesDescriptor)');
  }
  const signature = signatureOf(root);
  const validUntil = new Date(root.getAttribute('validUntil') ?? '');
  return { signature, validUntil, ...readIdps(root, now) };
}

/**
 * Requirement X2.1. Checks a federation's metadata aggregate the way Shibboleth SP's signature, schema and
 * RequireValidUntil filters do, and reads its IdPs. Anything wrong throws an AggregateRefusal;
 * nothing of a refused aggregate is used.
 */
export async function verifyAggregate(xml: string, certificates: string[], now = new Date()): Promise<VerifiedAggregate> {
  const { signature, validUntil, idps, entityCount } = readAggregate(xml, now);
  checkSignature(xml, signature, certificates);
  const errors = await schemaErrors(xml);
  if (errors.length) throw new AggregateRefusal('schema', `not schema-valid: ${errors.slice(0, 3).join('; ')}`);
  if (Number.isNaN(validUntil.getTime())) throw new AggregateRefusal('expired', 'the aggregate has no validUntil');
  if (validUntil <= now) throw new AggregateRefusal('expired', `the aggregate expired at ${validUntil.toISOString()}`);
  return { validUntil, entityCount, idps, skipped: entityCount - idps.length };
}
