// npm run bench: figures on this machine, each a median over repeated rounds. Prints a table and
// writes bench/results.md. Uses the configured argon2id parameters (OWASP's minimum by default).

import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as oidc from 'openid-client';
import { SecretHasher } from '../src/security/secrets.ts';
import { completeLogin, relyingParty } from '../test/helpers/relying-party.ts';
import { GRADUATE, seedUniversity, startTestService } from '../test/helpers/service.ts';

const ROUNDS = 5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] as number;

/** Runs `total` tasks with `concurrency` at a time; returns tasks per second and each task's latency. */
async function load(total: number, concurrency: number, task: () => Promise<unknown>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) {
        const t0 = performance.now();
        await task();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { perSecond: (total / (performance.now() - started)) * 1000, latencies };
}

async function rounds(total: number, concurrency: number, task: () => Promise<unknown>) {
  const rates: number[] = [];
  const latencies: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const result = await load(total, concurrency, task);
    rates.push(result.perSecond);
    latencies.push(...result.latencies);
  }
  return { perSecond: median(rates), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const service = await startTestService('bench', {
  logLevel: 'silent',
  throttle: { accountFreeFailures: 1_000_000, ipFreeFailures: 1_000_000 },
});
const cores = availableParallelism();
try {
  const university = await seedUniversity(service);
  const rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
  const { argon2 } = service.config;

  const hasher = new SecretHasher(argon2);
  const hash = await hasher.hash(GRADUATE.password);
  const verify = await rounds(20, 1, () => hasher.verify(hash, GRADUATE.password));
  const limit = (verify.perSecond * cores) / 2;

  const half = await rounds(8, Math.max(1, cores / 2), () => completeLogin(rp, GRADUATE));
  const full = await rounds(12, cores * 2, () => completeLogin(rp, GRADUATE));
  const { tokens } = await completeLogin(rp, GRADUATE);
  let refreshToken = tokens.refresh_token as string;
  const refresh = await rounds(50, 1, async () => {
    refreshToken = (await oidc.refreshTokenGrant(rp, refreshToken)).refresh_token as string;
  });
  const userinfo = await rounds(200, 8, () => oidc.fetchUserInfo(rp, tokens.access_token, university.accountId));

  const rows: Array<[string, string]> = [
    ['cores', String(cores)],
    ['argon2id parameters', `${argon2.memoryCostKiB} KiB, ${argon2.timeCost} iterations, ${argon2.parallelism} lane`],
    ['argon2id verifications / s / core', verify.perSecond.toFixed(1)],
    ['limit: graduate logins / s (two verifications each, all cores)', limit.toFixed(1)],
    [
      'graduate logins / s, one process, half load',
      `${half.perSecond.toFixed(1)} (${((100 * half.perSecond) / limit).toFixed(0)} % of the limit)`,
    ],
    [
      'graduate logins / s, one process, full load',
      `${full.perSecond.toFixed(1)} (${((100 * full.perSecond) / limit).toFixed(0)} % of the limit)`,
    ],
    ['login latency p50 / p99, half load (ms)', `${half.p50.toFixed(0)} / ${half.p99.toFixed(0)}`],
    ['login latency p50 / p99, full load (ms)', `${full.p50.toFixed(0)} / ${full.p99.toFixed(0)}`],
    ['refresh-token grants / s (sequential, rotating)', refresh.perSecond.toFixed(1)],
    ['userinfo / s (8 at a time)', userinfo.perSecond.toFixed(1)],
    ['userinfo latency p50 / p99 (ms)', `${userinfo.p50.toFixed(1)} / ${userinfo.p99.toFixed(1)}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
  const md = [
    '# Benchmark results',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench\` on this machine (${cores} cores), against the embedded FerretDB.`,
    `Each figure is the median of ${ROUNDS} rounds; a login is the whole code flow (authorize → login page → POST → code → token).`,
    '',
    '| measure | value |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
  ].join('\n');
  writeFileSync(new URL('./results.md', import.meta.url), md);
} finally {
  await service.stop();
}
