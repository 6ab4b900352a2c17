// How a federation aggregate of eduGAIN's size fares in the metadata check (issue 24): a realistic
// aggregate (src/dev/test-federation.ts realisticEntities) is made in a child process, then checked
// here, in a process that holds nothing else, with the service's parse budget. Prints the size, the
// time, the outcome and the peak resident memory of this process (the worker's included).
// Usage: node bench/federation-scale.ts [ENTITIES=10000] [BUDGET_MB=512]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { federationAggregate, realisticEntities } from '../src/dev/test-federation.ts';
import { verifyInWorker } from '../src/saml/federation/verify.ts';

const [mode, ...rest] = process.argv.slice(2);

if (mode === 'generate') {
  const [count, file] = rest as [string, string];
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
  process.exit(0);
}

const count = Number(mode ?? 10_000);
const budget = Number(rest[0] ?? 512);
const file = join(mkdtempSync(join(tmpdir(), 'cert-idp-federation-')), 'aggregate.xml');
const made = spawnSync(process.execPath, [new URL(import.meta.url).pathname, 'generate', String(count), file], {
  stdio: 'inherit',
});
if (made.status !== 0) process.exit(1);

const xml = readFileSync(file, 'utf8');
const certificate = readFileSync(`${file}.cert`, 'utf8');
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 25);
const before = process.memoryUsage().rss;
const started = performance.now();
const outcome = await verifyInWorker(xml, [certificate], budget).then(
  (verified) => `verified: ${verified.idps.length} IdPs of ${verified.entityCount} entities`,
  (error: Error) => `refused: ${error.message}`,
);
clearInterval(sampler);
console.log(`aggregate        ${count} entities, ${(Buffer.byteLength(xml) / 2 ** 20).toFixed(1)} MiB`);
console.log(`parse budget     ${budget} MiB`);
console.log(`outcome          ${outcome}`);
console.log(`time             ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(`resident memory  ${mib(before)} MiB before, ${mib(peak)} MiB at the peak`);
process.exit(0);
