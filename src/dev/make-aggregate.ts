// Writes a signed federation aggregate of eduGAIN's kind (realisticEntities) for the scale test and
// the benchmark, in a process of its own: signing with xml-crypto builds a DOM of the whole aggregate
// (about 2.4 GB for 10,000 entities), which the process that checks it must not carry.
// Usage: node src/dev/make-aggregate.ts ENTITIES FILE — writes FILE and the federation's certificate to FILE.cert.
import { writeFileSync } from 'node:fs';
import { generate } from 'selfsigned';
import { federationAggregate, realisticEntities } from './test-federation.ts';

const [count, file] = process.argv.slice(2) as [string, string];
const [federation, idp] = await Promise.all(
  ['federation', 'idp'].map((name) => generate([{ name: 'commonName', value: name }], { keySize: 2048, algorithm: 'sha256' })),
);
const xml = federationAggregate({
  entities: realisticEntities(Number(count), [idp?.cert as string]),
  validUntil: new Date(Date.now() + 7 * 86_400_000),
  signer: { privateKey: federation?.private as string, certificate: federation?.cert as string },
});
writeFileSync(file, xml);
writeFileSync(`${file}.cert`, federation?.cert as string);
