import { createHash } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import test from 'ava';
import { ExclusiveCanonicalization, SignedXml } from 'xml-crypto';
import { validateXML } from 'xmllint-wasm';
import { type VerifiedAggregate, verifyAggregate } from '../src/saml/federation/aggregate.ts';
import { readAggregate } from '../src/saml/federation/aggregate-reader.ts';
import type { AggregateRefusal } from '../src/saml/federation/aggregate-refusal.ts';
import type { FederationIdp } from '../src/saml/federation/entities.ts';
import { declarations } from '../src/saml/namespaces.ts';
import { type KeyPair, keyPair, memberIdps, signedAggregate } from './helpers/federation.ts';

// The aggregate's signature is checked from one streaming pass (src/saml/federation/aggregate-reader.ts
// and exclusive-c14n.ts), not from a DOM: these tests hold it to what libxml2 (xmlsec's canonicaliser,
// which federations sign with) and xml-crypto make of the same documents, and to the forms we refuse.

const DS = 'http://www.w3.org/2000/09/xmldsig#';
/** A stand-in signature that names SHA-256: enough for the reader to digest what it covers. */
const SIGNATURE = `<ds:Signature xmlns:ds="${DS}"><ds:SignedInfo><ds:Reference URI="#agg"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/></ds:Reference></ds:SignedInfo></ds:Signature>`;

/** Namespaces declared, undeclared, redeclared and left unused; attributes in several namespaces. */
const NAMESPACES =
  '<child xmlns:unused2="urn:unused" b="2" a="1" xml:lang="ja"><inner xmlns=""><deep xmlns="urn:other">' +
  '<x:y xmlns:x="urn:x" x:b="1" a="2" xml:lang="en"/><plain/></deep></inner></child>' +
  '<top xmlns=""><bare/></top><md:Extensions xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><p:q xmlns:p="urn:p1" xmlns:o="urn:o" o:z="3">' +
  '<p:r xmlns:p="urn:p2"/><p:s/></p:q></md:Extensions><e2 xmlns:z="urn:z" z:attr="v"><z:inner z:x=""/></e2>';
/** Characters canonicalisation escapes or normalises: references, CR LF, CDATA, astral characters, PIs. */
const CHARACTERS =
  '<t attr="tab&#9;nl&#10;cr&#13;quote&quot;lt&lt;amp&amp;gt&gt;apos\'" spaced="a  b\tc\r\nd">' +
  'text &amp; &lt; &gt; &#13; ]]&gt; "quoted" \'apos\' 𠮷 日本語\r\nsecond line\rthird</t>' +
  '<![CDATA[cdata <with> & ]]>\n  <empty></empty><self/>';
/** Processing instructions in the root (xml-crypto cannot canonicalise them; libxml2 can). */
const INSTRUCTIONS = '<a><?pi some  data ?></a><?empty?><?trailing  spaces   ?>';

const aggregate = (body: string, signature = SIGNATURE) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<md:EntitiesDescriptor ${declarations('md', 'ds')} xmlns:unused="urn:unused" xmlns="urn:default" ID="agg" validUntil="2099-01-01T00:00:00Z">\n` +
  `${signature}\n${body}\n</md:EntitiesDescriptor>\n`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64');
const ignore = () => {};
const streamedDigest = (xml: string, chunk = xml.length) => {
  const chunks = Array.from({ length: Math.ceil(xml.length / chunk) }, (_, i) => xml.slice(i * chunk, (i + 1) * chunk));
  return readAggregate(chunks, new Date(), ignore).digest;
};

/** libxml2's exclusive canonical form (xmllint --exc-c14n) of the aggregate without its signature. */
async function libxml2Digest(body: string): Promise<string> {
  const result = await validateXML({
    xml: [{ fileName: 'aggregate.xml', contents: aggregate(body, '') }],
    normalization: 'c14n',
    modifyArguments: (args) => args.map((arg) => (arg === '--c14n' ? '--exc-c14n' : arg)),
  });
  // xmllint's output, written through a line-by-line print, ends with a newline of its own.
  return sha256(result.normalized.replace(/\n$/, ''));
}

/** xml-crypto's exclusive canonical form of the aggregate's root with its signature removed, from a DOM. */
function xmlCryptoDigest(body: string): string {
  const root = new DOMParser().parseFromString(aggregate(body), 'text/xml').documentElement as unknown as Element;
  const signature = root.getElementsByTagNameNS(DS, 'Signature')[0] as Element;
  root.removeChild(signature as unknown as Node);
  return sha256(new ExclusiveCanonicalization().process(root, {}));
}

for (const [name, body, both] of [
  ['namespaces', NAMESPACES, true],
  ['characters', CHARACTERS, true],
  ['processing instructions', INSTRUCTIONS, false],
] as const) {
  test(`the streamed digest of an aggregate with tricky ${name} is the one libxml2 and xml-crypto compute`, async (t) => {
    const digest = streamedDigest(aggregate(body));
    t.is(digest, await libxml2Digest(body), 'libxml2');
    if (both) t.is(digest, xmlCryptoDigest(body), 'xml-crypto');
  });
}

test('comments are left out of the digest, as a same-document reference selects the element without them', (t) => {
  const body = `<a><!-- a comment -->b<!--another--></a>${NAMESPACES}`;
  t.is(streamedDigest(aggregate(body)), xmlCryptoDigest(body));
  t.is(streamedDigest(aggregate(body)), streamedDigest(aggregate(`<a>b</a>${NAMESPACES}`)));
});

let federation: KeyPair;
let idp: KeyPair;
test.before(async () => {
  [federation, idp] = await Promise.all([keyPair('federation'), keyPair('idp')]);
});

const verify = (xml: string, certificates = [federation.certificate]) => {
  const idps: FederationIdp[] = [];
  return verifyAggregate(Buffer.from(xml), certificates, new Date(), (found) => idps.push(found)).then(
    (summary): VerifiedAggregate => ({ ...summary, idps }),
  );
};
const refusal = async (xml: string) => (await verify(xml).catch((caught: AggregateRefusal) => caught)) as AggregateRefusal;

test('an aggregate read a few characters at a time gives the same digest and IdPs as read at once', (t) => {
  const xml = signedAggregate(memberIdps(4, idp.certificate), federation);
  const read = (chunk: number) => {
    const idps: string[] = [];
    const chunks = Array.from({ length: Math.ceil(xml.length / chunk) }, (_, i) => xml.slice(i * chunk, (i + 1) * chunk));
    const { digest, entityCount } = readAggregate(chunks, new Date(), (found) => idps.push(found.metadataXml));
    return { digest, entityCount, idps };
  };
  const whole = read(xml.length);
  t.is(whole.idps.length, 4);
  for (const size of [1, 2, 3, 7, 64, 4096]) t.deepEqual(read(size), whole, `chunks of ${size}`);
});

test('an element that repeats the signed ID is refused as signature wrapping', async (t) => {
  const xml = signedAggregate(memberIdps(2, idp.certificate), federation);
  const id = xml.match(/ ID="([^"]+)"/)?.[1] as string;
  const wrapped = xml.replace('<md:EntityDescriptor ', `<md:EntityDescriptor ID="${id}" `);
  const refused = await refusal(wrapped);
  t.is(refused.reason, 'signature');
  t.regex(refused.message, /signature wrapping/);
});

/** The aggregate signed by xml-crypto with other settings than the federations' usual ones. */
function signedWith(
  reference: Record<string, unknown>,
  options: Record<string, unknown> = {},
  xml = signedAggregate(memberIdps(2, idp.certificate), undefined),
): string {
  const signer = new SignedXml({
    privateKey: federation.privateKey,
    publicCert: federation.certificate,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    ...options,
  });
  signer.addReference({
    xpath: '/*',
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    ...reference,
  });
  signer.computeSignature(xml, { prefix: 'ds', location: { reference: '/*', action: 'prepend' } });
  return signer.getSignedXml();
}

test('signatures in forms we do not verify are refused with what is wrong', async (t) => {
  t.is((await verify(signedWith({}))).idps.length, 2, 'the usual form is accepted');
  t.is((await verify(signedWith({ digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha512' }))).idps.length, 2);
  const cases: Array<[string, string, RegExp]> = [
    ['SHA-1 signature', signedWith({}, { signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1' }), /signature method/],
    ['SHA-1 digest', signedWith({ digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' }), /digest method/],
    ['prefix list', signedWith({ inclusiveNamespacesPrefixList: ['md'] }), /InclusiveNamespaces/],
    [
      'inclusive c14n',
      signedWith({
        transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315'],
      }),
      /enveloped-signature transform and exclusive c14n/,
    ],
    [
      'a reference to an entity',
      signedWith(
        { xpath: "//*[@ID='_entity']" },
        {},
        signedAggregate(memberIdps(2, idp.certificate), undefined).replace(
          '<md:EntityDescriptor ',
          '<md:EntityDescriptor ID="_entity" ',
        ),
      ),
      /one reference, to the whole aggregate/,
    ],
  ];
  for (const [name, xml, message] of cases) {
    const refused = await refusal(xml);
    t.is(refused.reason, 'signature', `${name}: ${refused.message}`);
    t.regex(refused.message, message, name);
  }
});

test('an aggregate that is not UTF-8 or carries a document type declaration is refused as malformed', async (t) => {
  const xml = signedAggregate(memberIdps(1, idp.certificate), federation);
  const latin1 = Buffer.from(xml.replace('第0大学', 'Universität'), 'latin1');
  const error = (await verifyAggregate(latin1, [federation.certificate], new Date(), ignore).catch(
    (caught: AggregateRefusal) => caught,
  )) as AggregateRefusal;
  t.is(error.reason, 'malformed');
  t.regex(error.message, /not well-formed/);
  const doctype = await refusal(xml.replace(/^<\?xml[^>]*\?>\s*/, '<!DOCTYPE x [<!ENTITY e "x">]>'));
  t.is(doctype.reason, 'malformed');
  t.regex(doctype.message, /document type/);
});
