import { createHash, type Hash } from 'node:crypto';
import { XMLSerializer } from '@xmldom/xmldom';
import { type SaxesOptions, SaxesParser, type SaxesTagNS } from 'saxes';
import { messageOf } from '../../errors.ts';
import { METADATA_NS } from '../namespaces.ts';
import { parseSafely } from '../xml-hazard.ts';
import { xmlText } from '../xml-text.ts';
import { AggregateRefusal } from './aggregate-refusal.ts';
import { type FederationIdp, idpOfEntity } from './entities.ts';
import { ExclusiveCanonicalWriter } from './exclusive-c14n.ts';

const { md: MD, ds: DS } = METADATA_NS;
/** The digest algorithms a reference may name, with node's names for them. */
export const DIGEST_METHODS: Record<string, string> = {
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#sha384': 'sha384',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
};
/** The attribute names xml-crypto and xmlsec take as IDs; no element but the root may carry the root's. */
const ID_NAMES = ['ID', 'Id', 'id'];

/** What one pass over an aggregate found. */
export interface ReadAggregate {
  id: string;
  validUntil: Date;
  /** The root's first ds:Signature child, parsed on its own (with the namespaces in scope there). */
  signature?: Element;
  /**
   * The base64 digest, with the algorithm the signature's reference names, of the root minus that
   * signature, canonicalised (exclusive c14n); empty when the signature names no accepted algorithm.
   */
  digest: string;
  /** IdPs handed to `onIdp` (each entity ID once). */
  idpCount: number;
  entityCount: number;
}

/**
 * The stream's text from the earliest position still needed (a tag being read, an element being cut
 * out) to the end of what was fed: the reader holds a few KB of the aggregate, not all of it.
 */
class TextWindow {
  private text = '';
  private base = 0;

  append(chunk: string): void {
    this.text += chunk;
  }

  /** The position of the last `<` before `position` (which must still be held). */
  tagStartBefore(position: number): number {
    return this.base + this.text.lastIndexOf('<', position - 1 - this.base);
  }

  slice(start: number, end: number): string {
    return this.text.slice(start - this.base, end - this.base);
  }

  /** Forgets what comes before `position`, or before the last `<` when that is earlier (a tag read in part). */
  keepFrom(position: number): void {
    const from = Math.min(position, this.tagStartBefore(this.base + this.text.length + 1));
    if (from <= this.base) return;
    this.text = this.text.slice(from - this.base);
    this.base = from;
  }
}

const isElement = (tag: SaxesTagNS, uri: string, local: string) => tag.uri === uri && tag.local === local;

/**
 * Parses one element's XML, cut from the aggregate, inside a wrapper that declares the namespaces in
 * scope where it stood: a tree of a few KB instead of one of the whole aggregate.
 */
function parseSpan(span: string, scopes: Array<Record<string, string>>): Element {
  const inScope = Object.assign({}, ...scopes) as Record<string, string>;
  const declarations = Object.entries(inScope)
    .map(([prefix, uri]) => (prefix ? ` xmlns:${prefix}="${xmlText(uri)}"` : ` xmlns="${xmlText(uri)}"`))
    .join('');
  const wrapper = parseSafely(
    `<wrapper${declarations}>${span}</wrapper>`,
    { comments: true },
    (detail) => new AggregateRefusal('malformed', detail),
  ).documentElement as unknown as Element;
  return Array.from(wrapper.childNodes).find((node) => node.nodeType === 1) as Element;
}

/**
 * The digest of the canonical text, with the algorithm the signature names: known once the signature
 * is read (the schema puts it first among the root's children), the text is held until then.
 */
class SignedDigest {
  private hash: Hash | undefined;
  private readonly held: string[] = [];

  readonly update = (chunk: string): void => {
    if (this.hash) this.hash.update(chunk);
    else this.held.push(chunk);
  };

  useAlgorithmOf(signature: Element): void {
    const method = signature.getElementsByTagNameNS(DS, 'DigestMethod')[0]?.getAttribute('Algorithm') ?? '';
    const name = DIGEST_METHODS[method];
    if (!name) return;
    this.hash = createHash(name);
    for (const chunk of this.held.splice(0)) this.hash.update(chunk);
  }

  /** Base64; empty when the signature named no algorithm we accept. */
  value(): string {
    return this.hash?.digest('base64') ?? '';
  }
}

type Root = { id: string; validUntil: Date };

/** The root (SAML metadata) with its ID and validUntil; below it, no element may repeat the signed ID (wrapping). */
function checkedRoot(tag: SaxesTagNS, depth: number, root: Root | undefined): Root | undefined {
  const id = ID_NAMES.map((name) => tag.attributes[name]?.value).find(Boolean) ?? '';
  if (depth === 1) {
    if (tag.uri !== MD || (tag.local !== 'EntitiesDescriptor' && tag.local !== 'EntityDescriptor')) {
      throw new AggregateRefusal('malformed', 'not SAML metadata (md:EntitiesDescriptor)');
    }
    return { id, validUntil: new Date(tag.attributes.validUntil?.value ?? '') };
  }
  if (root?.id && id === root.id) {
    throw new AggregateRefusal('signature', `more than one element has the signed ID ${id} (signature wrapping)`);
  }
  return root;
}

/**
 * Requirement X2.1. Reads a federation's aggregate in one streaming pass (saxes): the root's ID and
 * validUntil, its enveloped signature, the digest of what that signature must cover, and every IdP
 * (each entity parsed on its own, handed to `onIdp` and not kept). Memory stays near the size of the
 * text, not the tens of times its size a DOM of the whole aggregate costs. A document type
 * declaration is refused (XXE).
 */
export function readAggregate(chunks: Iterable<string>, now: Date, onIdp: (idp: FederationIdp) => void): ReadAggregate {
  const parser = new SaxesParser<SaxesOptions & { xmlns: true }>({ xmlns: true, position: true });
  const digest = new SignedDigest();
  const canonical = new ExclusiveCanonicalWriter(digest.update);
  const serializer = new XMLSerializer();
  const scopes: Array<Record<string, string>> = [];
  const window = new TextWindow();
  const seen = new Set<string>();
  let root: Root | undefined;
  let signature: Element | undefined;
  let entityCount = 0;
  /** Where the tag being read began; the open entity and signature whose text is cut out when they close. */
  let tagStart = 0;
  let entity: { start: number; depth: number; idp: boolean } | undefined;
  let signing: { start: number; depth: number } | undefined;
  const cutOut = (cut: { start: number; depth: number }) =>
    parseSpan(window.slice(cut.start, parser.position), scopes.slice(0, cut.depth - 1));

  parser.on('doctype', () => {
    throw new AggregateRefusal('malformed', 'document type declarations are refused (XXE)');
  });
  parser.on('opentagstart', () => {
    tagStart = window.tagStartBefore(parser.position);
  });
  parser.on('opentag', (tag) => {
    scopes.push(tag.ns);
    const depth = scopes.length;
    root = checkedRoot(tag, depth, root);
    if (depth === 2 && !signature && !signing && isElement(tag, DS, 'Signature')) signing = { start: tagStart, depth };
    if (!signing) canonical.open(tag);
    if (!entity && isElement(tag, MD, 'EntityDescriptor')) entity = { start: tagStart, depth, idp: false };
    // Only an entity with an IdP role is parsed (most of an aggregate is SPs).
    else if (entity?.depth === depth - 1 && isElement(tag, MD, 'IDPSSODescriptor')) entity.idp = true;
  });
  parser.on('closetag', (tag) => {
    const depth = scopes.length;
    if (!signing) canonical.close(tag);
    if (signing?.depth === depth) {
      signature = cutOut(signing);
      digest.useAlgorithmOf(signature);
      signing = undefined;
    }
    if (entity?.depth === depth) {
      entityCount += 1;
      const idp = entity.idp ? idpOfEntity(cutOut(entity), now, serializer) : undefined;
      if (idp && !seen.has(idp.entityId)) {
        seen.add(idp.entityId);
        onIdp(idp);
      }
      entity = undefined;
    }
    scopes.pop();
  });
  const text = (value: string) => {
    if (scopes.length && !signing) canonical.text(value);
  };
  parser.on('text', text);
  parser.on('cdata', text);
  parser.on('processinginstruction', ({ target, body }) => {
    if (scopes.length && !signing) canonical.processingInstruction(target, body);
  });
  try {
    for (const chunk of chunks) {
      window.append(chunk);
      parser.write(chunk);
      window.keepFrom(Math.min(entity?.start ?? Number.POSITIVE_INFINITY, signing?.start ?? Number.POSITIVE_INFINITY));
    }
    parser.close();
  } catch (error) {
    if (error instanceof AggregateRefusal) throw error;
    throw new AggregateRefusal('malformed', `not well-formed XML: ${messageOf(error)}`);
  }
  canonical.end();
  if (!root) throw new AggregateRefusal('malformed', 'not SAML metadata (md:EntitiesDescriptor)');
  return { ...root, signature, digest: digest.value(), idpCount: seen.size, entityCount };
}
