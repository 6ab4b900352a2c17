// npm run bench:federation — a federation of eduGAIN's size refreshed by a running service while
// graduates log in (issue 24). A realistic signed aggregate (src/dev/make-aggregate.ts; 10,000
// entities by default) is added as an operator would; the service process (started as in production,
// on the embedded database) fetches, verifies and stores it on its own schedule while logins run two
// at a time and an operator runs `federation list` from the CLI every five seconds. Prints, each the median of ROUNDS refreshes: how long the refresh took, the service's
// resident memory before and at its peak, and login latency (p50/p99) before and during the refresh.
// Usage: node scripts/with-test-services.ts node bench/federation-refresh.ts [ENTITIES=10000] [ROUNDS=3]
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { addFederation } from '../src/admin/federations.ts';
import { type Federation, FederationIdpModel, FederationModel } from '../src/db/models/federation.ts';
import { completeLogin, relyingParty } from '../test/helpers/relying-party.ts';
import { GRADUATE, seedUniversity, startTestService } from '../test/helpers/service.ts';
import { median } from './figures.ts';
import { rssMiB, startInstance } from './processes.ts';

const [entities = '10000', roundCount = '3'] = process.argv.slice(2);
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] as number;

const file = join(mkdtempSync(join(tmpdir(), 'cert-idp-federation-')), 'aggregate.xml');
const maker = new URL('../src/dev/make-aggregate.ts', import.meta.url).pathname;
if (spawnSync(process.execPath, [maker, entities, file], { stdio: 'inherit' }).status !== 0) process.exit(1);
const certificate = readFileSync(`${file}.cert`, 'utf8');

// This process seeds and drives; its own scheduler stays out of the way (the instance refreshes).
const service = await startTestService('bench-federation', { logLevel: 'silent', saml: { federationPollSeconds: 3600 } });
const university = await seedUniversity(service);
const instance = await startInstance('', service.config, {
  FEDERATION_POLL_SECONDS: '1',
});
const rounds: Array<{ seconds: number; before: number; peak: number; idle: number[]; during: number[]; cli: number }> = [];
/** An operator's command beside the service, as docs/operations.md shows it. */
const cli = () =>
  promisify(execFile)(process.execPath, ['src/cli/main.ts', 'federation', 'list'], {
    env: { ...process.env, MONGODB_URI: service.config.mongodb.uri as string, KEYS_DIR: service.config.keysDir },
    timeout: 60_000,
  });
try {
  const issuer = `http://127.0.0.1:${instance.port}`;
  const rp = await relyingParty(issuer, university.client.id, university.client.secret);
  await completeLogin(rp, GRADUATE);
  for (let round = 0; round < Number(roundCount); round++) {
    // Each round stores every IdP anew: the federation starts empty.
    await FederationIdpModel.deleteMany({ federationId: 'edugain' });
    await FederationModel.deleteOne({ _id: 'edugain' });
    const latencies = { idle: [] as number[], during: [] as number[] };
    let phase: 'idle' | 'during' | 'done' = 'idle';
    const logins = Array.from({ length: 2 }, async () => {
      while (phase !== 'done') {
        const at = phase;
        const t0 = performance.now();
        await completeLogin(rp, GRADUATE);
        if (at === phase) latencies[at].push(performance.now() - t0);
      }
    });
    await new Promise((r) => setTimeout(r, 5000));
    const before = rssMiB(instance.pid);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMiB(instance.pid));
    }, 50);
    const started = performance.now();
    phase = 'during';
    let commands = 0;
    const operator = (async () => {
      while (phase === 'during') {
        await cli();
        commands += 1;
        await new Promise((r) => setTimeout(r, 5000));
      }
    })();
    await addFederation({ id: 'edugain', source: file, certificates: [certificate], refreshMinutes: 600 });
    let federation: Federation | null = null;
    while (!federation?.acceptedAt && !federation?.lastError) {
      await new Promise((r) => setTimeout(r, 100));
      federation = await FederationModel.findById('edugain').lean<Federation>();
    }
    const seconds = (performance.now() - started) / 1000;
    phase = 'done';
    clearInterval(sampler);
    await Promise.all([...logins, operator]);
    if (federation.lastError) throw new Error(`refused: ${federation.lastError}`);
    rounds.push({ seconds, before, peak, ...latencies, cli: commands });
    console.log(
      `round ${round + 1}: ${federation.idpCount} IdPs of ${federation.entityCount} entities in ${seconds.toFixed(1)} s, ` +
        `RSS ${before.toFixed(0)} → ${peak.toFixed(0)} MiB, ${latencies.during.length} logins and ${commands} CLI commands during`,
    );
  }
} finally {
  instance.stop();
  await service.stop();
}

const all = (key: 'idle' | 'during') => rounds.flatMap((round) => round[key]);
const ms = (value: number) => `${value.toFixed(0)} ms`;
console.log(`\naggregate                 ${entities} entities, ${(readFileSync(file).byteLength / 2 ** 20).toFixed(1)} MiB`);
console.log(`refresh (add → stored)    ${median(rounds.map((r) => r.seconds)).toFixed(1)} s`);
console.log(`service RSS before        ${median(rounds.map((r) => r.before)).toFixed(0)} MiB`);
console.log(`service RSS at the peak   ${median(rounds.map((r) => r.peak)).toFixed(0)} MiB`);
console.log(`logins before the refresh p50 ${ms(percentile(all('idle'), 50))}, p99 ${ms(percentile(all('idle'), 99))}`);
console.log(`logins during the refresh p50 ${ms(percentile(all('during'), 50))}, p99 ${ms(percentile(all('during'), 99))}`);
process.exit(0);
