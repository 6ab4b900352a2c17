// How a federation aggregate of eduGAIN's size fares in the metadata check (issue 24): a realistic
// aggregate (src/dev/make-aggregate.ts) is made in a child process, then checked here, in a process
// that holds nothing else, with the service's parse budget. Prints the size, the time, the outcome and
// the peak resident memory of this process (the workers' included).
// Usage: node bench/federation-scale.ts [ENTITIES=10000] [BUDGET_MB=384]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyInWorker } from '../src/saml/federation/verify.ts';

const [count = '10000', budget = '384'] = process.argv.slice(2);
const file = join(mkdtempSync(join(tmpdir(), 'cert-idp-federation-')), 'aggregate.xml');
const maker = new URL('../src/dev/make-aggregate.ts', import.meta.url).pathname;
if (spawnSync(process.execPath, [maker, count, file], { stdio: 'inherit' }).status !== 0) process.exit(1);

const xml = readFileSync(file);
const size = xml.byteLength;
const certificate = readFileSync(`${file}.cert`, 'utf8');
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 25);
const before = process.memoryUsage().rss;
const started = performance.now();
const outcome = await verifyInWorker(xml, [certificate], Number(budget)).then(
  (verified) => `verified: ${verified.idps.length} IdPs of ${verified.entityCount} entities`,
  (error: Error) => `refused: ${error.message}`,
);
clearInterval(sampler);
console.log(`aggregate        ${count} entities, ${(size / 2 ** 20).toFixed(1)} MiB`);
console.log(`parse budget     ${budget} MiB`);
console.log(`outcome          ${outcome}`);
console.log(`time             ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(`resident memory  ${mib(before)} MiB before, ${mib(peak)} MiB at the peak`);
process.exit(0);
