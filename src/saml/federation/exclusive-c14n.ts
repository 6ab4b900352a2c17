import type { SaxesAttributeNS, SaxesTagNS } from 'saxes';

const XMLNS = 'http://www.w3.org/2000/xmlns/';
/** Canonical output is handed on in pieces of about this many characters. */
const FLUSH_AT = 1 << 16;

const attributeEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '"': '&quot;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};
const textEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const escapeAttribute = (value: string) => value.replace(/[&<"\t\n\r]/g, (c) => attributeEscapes[c] as string);
const escapeText = (value: string) => value.replace(/[&<>\r]/g, (c) => textEscapes[c] as string);
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byNamespaceThenName = (a: SaxesAttributeNS, b: SaxesAttributeNS) => compare(a.uri, b.uri) || compare(a.local, b.local);

/**
 * Exclusive XML Canonicalization 1.0 without comments (https://www.w3.org/TR/xml-exc-c14n/), written
 * from a SAX parser's events as they come instead of from a tree: the digest of a federation's
 * aggregate of tens of MB is computed without holding a DOM of it. The caller feeds the events of the
 * element the signature references, leaving out the enveloped signature's own subtree (every element
 * fed is output, so an element's nearest output ancestor is its parent). Comments are never fed: a
 * same-document reference (`#ID`) selects the element without them. Line ends and attribute values
 * arrive normalised by the parser (saxes does both).
 */
export class ExclusiveCanonicalWriter {
  /** Per open element: the namespace declarations rendered on it or its output ancestors. */
  private readonly rendered: Array<Map<string, string>> = [new Map()];
  private pending = '';
  private readonly sink: (chunk: string) => void;

  constructor(sink: (chunk: string) => void) {
    this.sink = sink;
  }

  open(tag: SaxesTagNS): void {
    const parent = this.rendered.at(-1) as Map<string, string>;
    const attributes: SaxesAttributeNS[] = [];
    // Visibly utilised: the element's own prefix (or the default namespace) and its attributes' prefixes.
    const utilised = new Map<string, string>([[tag.prefix, tag.uri]]);
    for (const attribute of Object.values(tag.attributes) as SaxesAttributeNS[]) {
      if (attribute.uri === XMLNS) continue;
      attributes.push(attribute);
      if (attribute.prefix && attribute.prefix !== 'xml') utilised.set(attribute.prefix, attribute.uri);
    }
    let own = parent;
    let out = `<${tag.name}`;
    for (const prefix of [...utilised.keys()].sort(compare)) {
      const uri = utilised.get(prefix) as string;
      // An unset default namespace counts as "": xmlns="" is written only to undo a rendered default.
      if ((parent.get(prefix) ?? '') === uri) continue;
      if (own === parent) own = new Map(parent);
      own.set(prefix, uri);
      out += prefix ? ` xmlns:${prefix}="${escapeAttribute(uri)}"` : ` xmlns="${escapeAttribute(uri)}"`;
    }
    for (const attribute of attributes.sort(byNamespaceThenName)) {
      out += ` ${attribute.name}="${escapeAttribute(attribute.value)}"`;
    }
    this.rendered.push(own);
    this.write(`${out}>`);
  }

  close(tag: SaxesTagNS): void {
    this.rendered.pop();
    this.write(`</${tag.name}>`);
  }

  text(text: string): void {
    this.write(escapeText(text));
  }

  processingInstruction(target: string, body: string): void {
    this.write(body ? `<?${target} ${body}?>` : `<?${target}?>`);
  }

  /** Hands on what is still held; call once after the last event. */
  end(): void {
    if (this.pending) this.sink(this.pending);
    this.pending = '';
  }

  private write(chunk: string): void {
    this.pending += chunk;
    if (this.pending.length >= FLUSH_AT) this.end();
  }
}
