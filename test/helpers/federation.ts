import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { type SamlTestUser, startSimpleSamlPhp } from '../../src/dev/simplesamlphp.ts';
import { type EntityOptions, federationAggregate, idpEntityDescriptor } from '../../src/dev/test-federation.ts';

export interface KeyPair {
  privateKey: string;
  certificate: string;
}

export async function keyPair(name: string): Promise<KeyPair> {
  const pems = await generate([{ name: 'commonName', value: name }], { keySize: 2048, algorithm: 'sha256' });
  return { privateKey: pems.private, certificate: pems.cert };
}

/** What the federation's server was asked, for the conditional GET checks. */
export interface AggregateRequest {
  ifNoneMatch: string;
  ifModifiedSince: string;
  status: number;
}

/**
 * The federation's metadata server: serves the latest published aggregate with an ETag and
 * Last-Modified, and answers a conditional GET for an unchanged one with 304, as web servers do.
 */
export async function startFederationServer() {
  let body = '';
  let etag = '';
  let lastModified = '';
  const requests: AggregateRequest[] = [];
  const server = createServer((req, res) => {
    const ifNoneMatch = String(req.headers['if-none-match'] ?? '');
    const ifModifiedSince = String(req.headers['if-modified-since'] ?? '');
    const status = ifNoneMatch && ifNoneMatch === etag ? 304 : 200;
    requests.push({ ifNoneMatch, ifModifiedSince, status });
    res.writeHead(status, { etag, 'last-modified': lastModified, 'content-type': 'application/samlmetadata+xml' });
    res.end(status === 200 ? body : undefined);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gakunin-metadata.xml`;
  return {
    url,
    requests,
    publish(xml: string) {
      body = xml;
      etag = `"${createHash('sha256').update(xml).digest('hex').slice(0, 16)}"`;
      lastModified = new Date().toUTCString();
    },
    stop: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** Generated member IdPs of the federation (the universities other than the test's own). */
export function memberIdps(count: number, certificate: string, extra: Partial<EntityOptions> = {}): string[] {
  return Array.from({ length: count }, (_, i) =>
    idpEntityDescriptor({
      entityId: `https://idp.univ${i}.example.ac.jp/idp/shibboleth`,
      certificate,
      ssoUrl: `https://idp.univ${i}.example.ac.jp/idp/profile/SAML2/Redirect/SSO`,
      names: { ja: `第${i}大学`, en: `University No. ${i}` },
      scopes: [`univ${i}.example.ac.jp`],
      entityAttributes: ['http://macedir.org/entity-category-support=https://refeds.org/category/personalized'],
      registrationAuthority: 'https://federation.test/',
      ...extra,
    }),
  );
}

/** An IdP's own metadata document, as an entity of the aggregate (no XML declaration). */
export const asEntity = (metadataXml: string) => metadataXml.replace(/^<\?xml[^>]*\?>\s*/, '');

export function signedAggregate(entities: string[], signer: KeyPair | undefined, validForMs = 7 * 86_400_000): string {
  return federationAggregate({ entities, validUntil: new Date(Date.now() + validForMs), signer });
}

export const OID = {
  eppn: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.6',
  jasn: 'urn:oid:1.3.6.1.4.1.32264.1.1.1',
  jaGivenName: 'urn:oid:1.3.6.1.4.1.32264.1.1.2',
  sn: 'urn:oid:2.5.4.4',
  givenName: 'urn:oid:2.5.4.42',
  mail: 'urn:oid:0.9.2342.19200300.100.1.3',
  affiliation: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.1',
};
export const CATEGORY = 'http://macedir.org/entity-category-support=https://refeds.org/category/personalized';
export const AUTHORITY = 'https://federation.test/';

/**
 * The test university's SimpleSAMLphp as a federation member: scope, mdui names and logo, entity
 * category and registration authority in its metadata, attributes sent under their urn:oid names.
 */
export function startMemberIdp(users: SamlTestUser[]) {
  return startSimpleSamlPhp(users, {
    hostedMetadata: {
      scope: ['test-univ.example'],
      UIInfo: {
        DisplayName: { ja: 'テスト大学', en: 'Test University' },
        Logo: [{ url: 'https://test-univ.example/logo.png', height: 16, width: 16 }],
      },
      EntityAttributes: { 'http://macedir.org/entity-category-support': ['https://refeds.org/category/personalized'] },
      RegistrationInfo: { authority: AUTHORITY },
    },
    attributeNames: {
      eduPersonPrincipalName: OID.eppn,
      jasn: OID.jasn,
      jaGivenName: OID.jaGivenName,
      sn: OID.sn,
      givenName: OID.givenName,
      mail: OID.mail,
      eduPersonAffiliation: OID.affiliation,
    },
  });
}
