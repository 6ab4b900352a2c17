import { connect, createServer, type Server } from 'node:net';
import { availableParallelism } from 'node:os';
import mongoose from 'mongoose';
import * as oidc from 'openid-client';
import { protocolStore } from '../src/db/protocol-store.ts';
import { freePort } from '../src/dev/free-port.ts';
import { accountRecords } from '../src/oidc/records.ts';
import { SecretHasher } from '../src/security/secrets.ts';
import { Browser } from '../test/helpers/browser.ts';
import { completeLogin, relyingParty } from '../test/helpers/relying-party.ts';
import { GRADUATE, seedUniversity, startTestService } from '../test/helpers/service.ts';
import { commandsOf } from './commands.ts';
import { load, median, writeFigures } from './figures.ts';
import { cpuOf, databasePids, rssMiB, startInstance } from './processes.ts';

const ROUNDS = 5;
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] as number;

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

/** A refresh-token grant that rotates: each call uses the refresh token the call before returned. */
function rotatingRefresh(client: oidc.Configuration, first: string): () => Promise<void> {
  let refreshToken = first;
  return async () => {
    refreshToken = (await oidc.refreshTokenGrant(client, refreshToken)).refresh_token as string;
  };
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

const BATCH = 10_000;

/**
 * Filler graduates, and the records their use leaves behind (a session, a grant and two tokens per
 * account, live), written straight to the collection and the protocol store, 10,000 accounts at a time.
 */
async function fillAccounts(tenantId: string, from: number, to: number) {
  const accounts = mongoose.connection.collection('accounts');
  const store = protocolStore();
  for (let start = from; start < to; start += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, to - start) }, (_, i) => start + i);
    await accounts.insertMany(
      ids.map((n) => ({
        tenantId,
        kind: 'graduate',
        email: `filler-${n}@example.com`,
        emailVerified: true,
        passwordHash: 'x',
        studentIds: [],
      })),
      { ordered: false },
    );
    // As saveRecord (src/oidc/records.ts) keeps them, without a transaction per record.
    const records = store.pipeline();
    const record = (kind: string, n: number, payload: Record<string, unknown>) =>
      records.hset(`${kind}:filler-${n}`, { payload: JSON.stringify(payload) }).expire(`${kind}:filler-${n}`, 86_400);
    for (const n of ids) {
      record('Session', n, { uid: `filler-${n}`, accountId: `filler-${n}` });
      records.set(`uid:filler-${n}`, `filler-${n}`, 'EX', 86_400);
      records.sadd(`account:filler-${n}:Session`, `filler-${n}`).expire(`account:filler-${n}:Session`, 86_400);
      record('Grant', n, { accountId: `filler-${n}` });
      record('AccessToken', n, { grantId: `filler-${n}` });
      record('RefreshToken', n, { grantId: `filler-${n}` });
      records
        .sadd(`grant:filler-${n}`, `AccessToken:filler-${n}`, `RefreshToken:filler-${n}`)
        .expire(`grant:filler-${n}`, 86_400);
    }
    await records.exec();
  }
}

/** The database the figures were taken on, as it names itself. */
async function databaseName(): Promise<string> {
  const info = await mongoose.connection.db?.admin().buildInfo();
  if (info?.ferretdbVersion) return `the embedded database (FerretDB ${info.ferretdbVersion} on PostgreSQL), not mongod`;
  return `MongoDB ${info?.version} at MONGODB_URI`;
}

const service = await startTestService('bench', {
  logLevel: 'silent',
  throttle: { accountFreeFailures: 1_000_000, ipFreeFailures: 1_000_000 },
  mail: { pollIntervalMs: 60_000 },
  changePollMs: 60_000,
});
const cores = availableParallelism();
const embedded = !process.env.MONGODB_URI;
try {
  const university = await seedUniversity(service);
  const rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
  const { argon2 } = service.config;
  const database = await databaseName();

  const hasher = new SecretHasher(argon2);
  const hash = await hasher.hash(GRADUATE.password);
  await hasher.verify(hash, GRADUATE.password); // its first call also makes the throw-away hash
  const verify = await rounds(20, 1, () => hasher.verify(hash, GRADUATE.password));
  const limit = (verify.perSecond * cores) / 2;

  // Database commands of one login, refresh and userinfo (the second of each: caches are warm).
  await completeLogin(rp, GRADUATE);
  let tokens = (await completeLogin(rp, GRADUATE)).tokens;
  const loginCommands = await commandsOf(async () => {
    tokens = (await completeLogin(rp, GRADUATE)).tokens;
  });
  const refreshOnce = rotatingRefresh(rp, tokens.refresh_token as string);
  await refreshOnce();
  const refreshCommands = await commandsOf(refreshOnce);
  const userinfoOnce = () => oidc.fetchUserInfo(rp, tokens.access_token, university.accountId);
  const userinfoCommands = await commandsOf(userinfoOnce);

  const half = await rounds(8, Math.max(1, cores / 2), () => completeLogin(rp, GRADUATE));
  const full = await rounds(12, cores * 2, () => completeLogin(rp, GRADUATE));

  // Two processes behind one address, against one process behind the same address.
  const front = await balancer([]);
  const issuer = `http://127.0.0.1:${front.port}`;
  const instances = [await startInstance(issuer, service.config), await startInstance(issuer, service.config)];
  const [one, two] = instances as [Awaited<ReturnType<typeof startInstance>>, Awaited<ReturnType<typeof startInstance>>];
  let oneProcess: Awaited<ReturnType<typeof rounds>>;
  let twoProcesses: Awaited<ReturnType<typeof rounds>>;
  let memory: { idle: number; loaded: number; sessions: number };
  let cpu: { service: number; database: number; argon2: number };
  let refresh: Awaited<ReturnType<typeof rounds>>;
  let refreshParallel: Awaited<ReturnType<typeof rounds>>;
  let userinfo: Awaited<ReturnType<typeof rounds>>;
  try {
    // Idle: started, nothing asked of it yet.
    await new Promise((r) => setTimeout(r, 2000));
    const idle = rssMiB(one.pid);
    front.use([one.port]);
    const frontRp = await relyingParty(issuer, university.client.id, university.client.secret);
    await completeLogin(frontRp, GRADUATE);
    // CPU per login, one at a time through one instance: the service process, and the database's;
    // medians of rounds of 30, so that the background work of three processes (polls, sweeps) that
    // falls into a round weighs little.
    const logins = 30;
    const perRound = { service: [] as number[], database: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      const databaseCpu = { seconds: 0 };
      const serviceCpu = await cpuOf(
        () => [one.pid],
        async () => {
          databaseCpu.seconds = await cpuOf(databasePids, async () => {
            for (let i = 0; i < logins; i++) await completeLogin(frontRp, GRADUATE);
          });
        },
      );
      perRound.service.push(serviceCpu / logins);
      perRound.database.push(databaseCpu.seconds / logins);
    }
    const argon2Cpu = await cpuOf(
      () => [process.pid],
      async () => {
        for (let i = 0; i < 10; i++) await hasher.verify(hash, GRADUATE.password);
      },
    );
    cpu = {
      service: median(perRound.service),
      database: embedded ? median(perRound.database) : Number.NaN,
      argon2: argon2Cpu / 5,
    };

    oneProcess = await rounds(12, cores * 2, () => completeLogin(frontRp, GRADUATE));
    front.use([one.port, two.port]);
    twoProcesses = await rounds(12, cores * 2, () => completeLogin(frontRp, GRADUATE));

    // Resident memory of one process with 10,000 sessions stored (copies of a real one), after logins
    // and userinfo calls through it: sessions live in the protocol store, not in the process.
    front.use([one.port]);
    const store = protocolStore();
    const [real] = await accountRecords('Session', university.accountId);
    const sessions = 10_000;
    for (let start = 0; start < sessions; start += 2_000) {
      const batch = store.pipeline();
      for (let i = start; i < start + 2_000; i++)
        batch
          .hset(`Session:bench-${i}`, { payload: JSON.stringify({ ...real?.payload, uid: `bench-${i}` }) })
          .expire(`Session:bench-${i}`, 3600);
      await batch.exec();
    }
    await rounds(12, cores * 2, () => completeLogin(frontRp, GRADUATE));
    memory = { idle, loaded: rssMiB(one.pid), sessions };

    // Refresh and userinfo against a service process of their own, so that the load generator's
    // relying-party library does not take the service's thread (after the memory figures: they grow its heap).
    const frontTokens = (await completeLogin(frontRp, GRADUATE)).tokens;
    refresh = await rounds(100, 1, rotatingRefresh(frontRp, frontTokens.refresh_token as string));
    const fresh = (await completeLogin(frontRp, GRADUATE)).tokens;
    refreshParallel = await rounds(200, 8, () => oidc.refreshTokenGrant(frontRp, fresh.refresh_token as string));
    userinfo = await rounds(400, 8, () => oidc.fetchUserInfo(frontRp, fresh.access_token, university.accountId));
  } finally {
    for (const instance of instances) instance.stop();
    front.server.close();
  }

  // Login latency as the accounts (and their sessions, grants and tokens) grow: sequential logins.
  const accountCounts = [1_000, Number(process.env.BENCH_MAX_ACCOUNTS ?? 1_000_000)];
  const byAccounts: Array<{ count: number; p50: number; p99: number; fillSeconds: number }> = [];
  let filled = 0;
  for (const count of accountCounts) {
    const t0 = performance.now();
    await fillAccounts('test-univ', filled, count);
    const fillSeconds = (performance.now() - t0) / 1000;
    filled = count;
    await completeLogin(rp, GRADUATE);
    const result = await rounds(4, 1, () => completeLogin(rp, GRADUATE));
    byAccounts.push({ count, p50: result.p50, p99: result.p99, fillSeconds });
  }
  const [small, large] = byAccounts as [(typeof byAccounts)[0], (typeof byAccounts)[0]];

  // Last, since the mails it queues would keep other processes' mail workers busy: the forgotten-
  // password form for a registered and an unregistered address, alternately. The request does the
  // same work for both (test/address-enumeration.test.ts), so it takes the same time.
  const resetRequest = async (email: string) => {
    const browser = new Browser();
    const url = `${service.issuer}/t/test-univ/password-reset`;
    const form = await browser.page(url);
    const t0 = performance.now();
    await browser.submit(url, form, { email });
    return performance.now() - t0;
  };
  const resetTimes = { known: [] as number[], unknown: [] as number[] };
  for (let i = 0; i < 60; i++) {
    resetTimes.known.push(await resetRequest(GRADUATE.email));
    resetTimes.unknown.push(await resetRequest('nobody@example.com'));
  }

  const ofLimit = (rate: number) => `${((100 * rate) / limit).toFixed(0)} % of the limit`;
  const ms = (seconds: number) => (seconds * 1000).toFixed(1);
  const rows: Array<[string, string]> = [
    ['database', database],
    ['cores', String(cores)],
    ['argon2id parameters', `${argon2.memoryCostKiB} KiB, ${argon2.timeCost} iterations, ${argon2.parallelism} lane`],
    ['argon2id verifications / s / core', verify.perSecond.toFixed(1)],
    ['limit: graduate logins / s (two verifications each, all cores)', limit.toFixed(1)],
    ['database commands per login (authorize → login page → POST → code → token)', String(loginCommands.length)],
    ['database commands per refresh-token grant', String(refreshCommands.length)],
    ['database commands per userinfo', String(userinfoCommands.length)],
    ['CPU per login: the service process, all of it (ms)', ms(cpu.service)],
    ['CPU per login: of which its two argon2id verifications (ms)', ms(cpu.argon2)],
    ['CPU per login: the service without argon2id (ms)', ms(cpu.service - cpu.argon2)],
    ['CPU per login: the database processes (ms)', embedded ? ms(cpu.database) : 'not measured (remote server)'],
    ['graduate logins / s, one process, half load', `${half.perSecond.toFixed(1)} (${ofLimit(half.perSecond)})`],
    ['graduate logins / s, one process, full load', `${full.perSecond.toFixed(1)} (${ofLimit(full.perSecond)})`],
    [
      'graduate logins / s, one process behind the balancer, full load',
      `${oneProcess.perSecond.toFixed(1)} (${ofLimit(oneProcess.perSecond)})`,
    ],
    [
      'graduate logins / s, two processes behind the balancer, full load',
      `${twoProcesses.perSecond.toFixed(1)} (${ofLimit(twoProcesses.perSecond)}; ×${(twoProcesses.perSecond / oneProcess.perSecond).toFixed(2)} one process)`,
    ],
    ['login latency p50 / p99, half load (ms)', `${half.p50.toFixed(0)} / ${half.p99.toFixed(0)}`],
    ['login latency p50 / p99, full load (ms)', `${full.p50.toFixed(0)} / ${full.p99.toFixed(0)}`],
    ['refresh-token grants / s, one service process (one at a time, rotating)', refresh.perSecond.toFixed(1)],
    ['refresh-token grants / s, one service process (8 at a time)', refreshParallel.perSecond.toFixed(1)],
    ['userinfo / s, one service process (8 at a time)', userinfo.perSecond.toFixed(1)],
    ['userinfo latency p50 / p99 (ms)', `${userinfo.p50.toFixed(1)} / ${userinfo.p99.toFixed(1)}`],
    [
      'forgotten-password request p50 (ms): a registered / an unregistered address (60 each, alternating)',
      `${median(resetTimes.known).toFixed(1)} / ${median(resetTimes.unknown).toFixed(1)}`,
    ],
    ['resident memory of one process, idle (MiB)', memory.idle.toFixed(0)],
    [
      `resident memory of one process with ${memory.sessions.toLocaleString('en')} sessions stored, after logins (MiB)`,
      memory.loaded.toFixed(0),
    ],
    ...byAccounts.map(({ count, p50, p99 }): [string, string] => [
      `login latency p50 / p99 with ${count.toLocaleString('en')} accounts and ${(count * 4).toLocaleString('en')} live sessions, grants and tokens, sequential (ms)`,
      `${p50.toFixed(0)} / ${p99.toFixed(0)}`,
    ]),
    [
      `login p50 with ${large.count.toLocaleString('en')} accounts ÷ p50 with ${small.count.toLocaleString('en')}`,
      `×${(large.p50 / small.p50).toFixed(2)}`,
    ],
    [`time to load ${large.count.toLocaleString('en')} accounts and their records (s)`, large.fillSeconds.toFixed(0)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
  console.log(`\ncommands of one login:\n  ${loginCommands.join('\n  ')}`);
  const md = [
    '# Benchmark results',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench\` on this machine (${cores} cores, shared by the service, the load and the database), against ${database}.`,
    `Each figure is the median of ${ROUNDS} rounds; a login is the whole code flow (authorize → login page → POST → code → token).`,
    'Run `MONGODB_URI=mongodb://… npm run bench` to take the same figures against a MongoDB.',
    '',
    '| measure | value |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    'The database commands of one login, in order:',
    '',
    ...loginCommands.map((command, i) => `${i + 1}. \`${command}\``),
    '',
  ].join('\n');
  writeFigures(new URL(embedded ? './results.md' : './results-mongodb.md', import.meta.url), md);
} finally {
  await service.stop();
}
