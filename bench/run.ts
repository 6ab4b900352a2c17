// npm run bench: figures on this machine, each a median over repeated rounds. Prints a table and
// writes bench/results.md. Uses the configured argon2id parameters (OWASP's minimum by default).

import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { availableParallelism } from 'node:os';
import mongoose from 'mongoose';
import * as oidc from 'openid-client';
import { OidcRecordModel } from '../src/db/models/oidc-record.ts';
import { freePort } from '../src/dev/free-port.ts';
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

/** Resident memory of a process (Linux), in MiB. */
const rssMiB = (pid: number) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;

/** Another instance of the service (src/main.ts), sharing the database, keys and public address. */
async function startInstance(issuer: string, mongoUri: string, keysDir: string) {
  const port = await freePort();
  const child = spawn(process.execPath, ['src/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      PORT: String(port),
      ISSUER: issuer,
      MONGODB_URI: mongoUri,
      KEYS_DIR: keysDir,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, pid: child.pid as number, stop: () => child.kill('SIGTERM') };
}

/** One public address in front of the instances: each new connection goes to the next (round robin). */
async function balancer(backends: number[]): Promise<{ port: number; server: Server; use: (ports: number[]) => void }> {
  let targets = backends;
  let next = 0;
  const server = createServer((client) => {
    const upstream = connect(targets[next++ % targets.length] as number, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  const port = await freePort();
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return {
    port,
    server,
    use: (ports) => {
      targets = ports;
    },
  };
}

/** Filler graduates written straight to the collections (accounts and their address keys), 10,000 at a time. */
async function fillAccounts(tenantId: string, from: number, to: number) {
  const accounts = mongoose.connection.collection('accounts');
  const addresses = mongoose.connection.collection('account_addresses');
  for (let start = from; start < to; start += 10_000) {
    const batch = Array.from({ length: Math.min(10_000, to - start) }, (_, i) => {
      const _id = new mongoose.Types.ObjectId();
      return {
        _id,
        tenantId,
        kind: 'graduate',
        email: `filler-${start + i}@example.com`,
        emailVerified: true,
        passwordHash: 'x',
        studentIds: [],
      };
    });
    await accounts.insertMany(batch, { ordered: false });
    await addresses.insertMany(
      batch.map((a) => ({ _id: `${tenantId}|${a.email}` as unknown as mongoose.Types.ObjectId, accountId: a._id.toString() })),
      { ordered: false },
    );
  }
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

  // Two processes behind one address, against one process behind the same address.
  const front = await balancer([]);
  const issuer = `http://127.0.0.1:${front.port}`;
  const instances = [
    await startInstance(issuer, service.config.mongodb.uri as string, service.config.keysDir),
    await startInstance(issuer, service.config.mongodb.uri as string, service.config.keysDir),
  ];
  const [one, two] = instances as [Awaited<ReturnType<typeof startInstance>>, Awaited<ReturnType<typeof startInstance>>];
  let oneProcess: Awaited<ReturnType<typeof rounds>>;
  let twoProcesses: Awaited<ReturnType<typeof rounds>>;
  let memory: { idle: number; loaded: number; sessions: number };
  try {
    front.use([one.port]);
    const frontRp = await relyingParty(issuer, university.client.id, university.client.secret);
    // Each phase starts from the same database: every login leaves records behind, and FerretDB's
    // lookups grow with the collection, which would favour whichever phase runs first.
    await OidcRecordModel.deleteMany({});
    oneProcess = await rounds(12, cores * 2, () => completeLogin(frontRp, GRADUATE));
    front.use([one.port, two.port]);
    await OidcRecordModel.deleteMany({});
    twoProcesses = await rounds(12, cores * 2, () => completeLogin(frontRp, GRADUATE));

    // Resident memory of one process with 10,000 sessions stored (copies of a real one), after logins
    // and userinfo calls through it: sessions live in the database, not in the process.
    front.use([one.port]);
    const idle = rssMiB(one.pid);
    const real = await OidcRecordModel.findOne({ kind: 'Session' }).lean();
    const sessions = 10_000;
    for (let start = 0; start < sessions; start += 2_000) {
      await OidcRecordModel.insertMany(
        Array.from({ length: 2_000 }, (_, i) => ({ ...real, _id: `Session:bench-${start + i}`, uid: `bench-${start + i}` })),
        { ordered: false },
      );
    }
    await rounds(12, cores * 2, () => completeLogin(frontRp, GRADUATE));
    memory = { idle, loaded: rssMiB(one.pid), sessions: await OidcRecordModel.countDocuments({ kind: 'Session' }) };
    await OidcRecordModel.deleteMany({ _id: /^Session:bench-/ });
  } finally {
    for (const instance of instances) instance.stop();
    front.server.close();
  }

  // Login latency as the accounts grow: sequential logins (no queueing), 1,000 then 1,000,000 accounts.
  const accountCounts = [1_000, Number(process.env.BENCH_MAX_ACCOUNTS ?? 1_000_000)];
  const byAccounts: Array<{ count: number; p50: number; p99: number }> = [];
  let filled = 0;
  for (const count of accountCounts) {
    await fillAccounts('test-univ', filled, count);
    filled = count;
    const result = await rounds(2, 1, () => completeLogin(rp, GRADUATE));
    byAccounts.push({ count, p50: result.p50, p99: result.p99 });
  }

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
    [
      'graduate logins / s, one process behind the balancer, full load',
      `${oneProcess.perSecond.toFixed(1)} (${((100 * oneProcess.perSecond) / limit).toFixed(0)} % of the limit)`,
    ],
    [
      'graduate logins / s, two processes behind the balancer, full load',
      `${twoProcesses.perSecond.toFixed(1)} (${((100 * twoProcesses.perSecond) / limit).toFixed(0)} % of the limit; ×${(twoProcesses.perSecond / oneProcess.perSecond).toFixed(2)} one process)`,
    ],
    ['login latency p50 / p99, half load (ms)', `${half.p50.toFixed(0)} / ${half.p99.toFixed(0)}`],
    ['login latency p50 / p99, full load (ms)', `${full.p50.toFixed(0)} / ${full.p99.toFixed(0)}`],
    ['refresh-token grants / s (sequential, rotating)', refresh.perSecond.toFixed(1)],
    ['userinfo / s (8 at a time)', userinfo.perSecond.toFixed(1)],
    ['userinfo latency p50 / p99 (ms)', `${userinfo.p50.toFixed(1)} / ${userinfo.p99.toFixed(1)}`],
    ['resident memory of one process, idle (MiB)', memory.idle.toFixed(0)],
    [
      `resident memory of one process with ${memory.sessions.toLocaleString('en')} sessions stored, after logins (MiB)`,
      memory.loaded.toFixed(0),
    ],
    ...byAccounts.map(({ count, p50, p99 }): [string, string] => [
      `login latency p50 / p99 with ${count.toLocaleString('en')} accounts, sequential (ms)`,
      `${p50.toFixed(0)} / ${p99.toFixed(0)}`,
    ]),
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
