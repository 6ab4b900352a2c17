// `npm run bench:peer`: this service and Keycloak side by side on this machine, driven by the same
// load code (a code flow with PKCE through each server's own HTML login form, rotating refresh-token
// chains, userinfo), in interleaved rounds; medians to bench/peer-keycloak.md. Not part of npm test.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as oidc from 'openid-client';
import { SecretHasher } from '../src/security/secrets.ts';
import { Browser } from '../test/helpers/browser.ts';
import { relyingParty } from '../test/helpers/relying-party.ts';
import { addGraduate, REDIRECT_URI, seedUniversity, startTestService } from '../test/helpers/service.ts';
import { load, median, writeFigures } from './figures.ts';
import { KEYCLOAK_HASH, KEYCLOAK_VERSION, startKeycloak } from './peer/keycloak.ts';
import { cpuMeter, databasePids, rssMiB, startInstance } from './processes.ts';

const ROUNDS = Number(process.env.PEER_ROUNDS ?? 3);
const LOGIN_USERS = 4;
const log = (line: string) => process.stderr.write(`bench:peer: ${line}\n`);

/** Every descendant of `pid` (from /proc), with it. */
function tree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      parents.set(Number(entry), Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]));
    } catch {}
  }
  const found = [pid];
  for (let i = 0; i < found.length; i++) for (const [child, parent] of parents) if (parent === found[i]) found.push(child);
  return found;
}

/** Proportional set size (shared pages divided among their users), in MiB; 0 for a process gone. */
function pssMiB(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+)/m)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** The Java that runs Keycloak, as it names itself. */
function javaVersion(): string {
  const printed = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr;
  return printed.match(/version "([^"]+)"/)?.[1] ?? 'unknown';
}

interface Server {
  name: string;
  rp: oidc.Configuration;
  /** The fields of its login form besides hidden ones, for the person `i`. */
  credentials: (i: number) => Record<string, string>;
  serverPids: () => number[];
  databasePids: () => number[];
}

/** The person logs in through the server's own form: the post form with a password field, its hidden fields kept. */
async function login(server: Server, i: number) {
  const browser = new Browser();
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(server.rp, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  const page = await browser.follow(url.href, {}, REDIRECT_URI);
  const html = (await page.response?.text()) ?? '';
  const forms = html.match(/<form[^>]*method="post"[^>]*>[\s\S]*?<\/form>/gi) ?? [];
  const form = forms.find((candidate) => /type="password"/.test(candidate)) ?? '';
  const action = (form.match(/action="([^"]+)"/)?.[1] ?? '').replaceAll('&amp;', '&');
  const hidden = Object.fromEntries(
    [...form.matchAll(/<input[^>]*type="hidden"[^>]*>/g)].map((input) => [
      input[0].match(/name="([^"]+)"/)?.[1] ?? '',
      input[0].match(/value="([^"]*)"/)?.[1] ?? '',
    ]),
  );
  const done = await browser.postForm(new URL(action, page.url).href, { ...hidden, ...server.credentials(i) }, REDIRECT_URI);
  if (!done.url.startsWith(REDIRECT_URI))
    throw new Error(`${server.name}: the login did not come back (${done.response?.status})`);
  return oidc.authorizationCodeGrant(server.rp, new URL(done.url), { pkceCodeVerifier: verifier, expectedState: state });
}

/** `total` tasks, `concurrency` at a time: per second, and the CPU seconds of server and database processes. */
async function measure(server: Server, total: number, concurrency: number, task: (i: number) => Promise<unknown>) {
  const serverCpu = cpuMeter(server.serverPids);
  const databaseCpu = cpuMeter(server.databasePids);
  const { perSecond } = await load(total, concurrency, task);
  return {
    perSecond,
    serverMs: (serverCpu() / total) * 1000,
    databaseMs: (databaseCpu() / total) * 1000,
  };
}

type Figures = Awaited<ReturnType<typeof measure>>;

async function round(server: Server) {
  const logins = await measure(server, 40, LOGIN_USERS, (i) => login(server, i));
  const chains = await Promise.all(Array.from({ length: 8 }, (_, i) => login(server, i % LOGIN_USERS)));
  const refreshTokens = chains.map((tokens) => tokens.refresh_token as string);
  const refresh = await measure(server, 800, 8, async (chain) => {
    const current = refreshTokens[chain] as string;
    // Each server's own policy: Keycloak answers a new refresh token every time, oidc-provider rotates
    // a confidential client's only near its expiry; the chain goes on with whichever is current.
    refreshTokens[chain] = (await oidc.refreshTokenGrant(server.rp, current)).refresh_token ?? current;
  });
  const userinfoUrl = server.rp.serverMetadata().userinfo_endpoint as string;
  const accessToken = chains[0]?.access_token as string;
  const userinfo = await measure(server, 4000, 8, async () => {
    const response = await fetch(userinfoUrl, { headers: { authorization: `Bearer ${accessToken}` } });
    if (!response.ok) throw new Error(`${server.name}: userinfo ${response.status}`);
    await response.arrayBuffer();
  });
  return { logins, refresh, userinfo };
}

const cores = availableParallelism();
const service = await startTestService('peer', { logLevel: 'silent', mail: { pollIntervalMs: 60_000 } });
const university = await seedUniversity(service);
const graduates: Array<Record<string, string>> = [];
for (let i = 0; i < LOGIN_USERS; i++) graduates.push(await addGraduate(service, `peer-${i}@example.com`));
const hasher = new SecretHasher(service.config.argon2);
const hash = await hasher.hash('Peer2026password');
// Warmed up first: the hasher's first call also makes its throw-away hash (src/security/secrets.ts).
for (let i = 0; i < 3; i++) await hasher.verify(hash, 'Peer2026password');
const t0 = process.cpuUsage();
for (let i = 0; i < 20; i++) await hasher.verify(hash, 'Peer2026password');
const verifyCpu = process.cpuUsage(t0);
const verifyCpuMs = (verifyCpu.user + verifyCpu.system) / 1000 / 20;
const us = await startInstance('', service.config, { LOG_LEVEL: 'warn' });
const keycloak = await startKeycloak(
  REDIRECT_URI,
  Array.from({ length: LOGIN_USERS }, (_, i) => ({ username: `peer-${i}`, password: `Peer2026password-${i}` })),
  log,
);
const keycloakDatabase = () => tree(keycloak.postgresPid);
try {
  const servers: Server[] = [
    {
      name: 'Keycloak',
      rp: await oidc.discovery(new URL(keycloak.issuer), keycloak.client.id, keycloak.client.secret, undefined, {
        execute: [oidc.allowInsecureRequests],
      }),
      credentials: (i) => ({ username: `peer-${i}`, password: `Peer2026password-${i}` }),
      serverPids: () => tree(keycloak.pid), // kc.sh and the Java process it starts
      databasePids: keycloakDatabase,
    },
    {
      name: 'cert-idp',
      rp: await relyingParty(`http://127.0.0.1:${us.port}`, university.client.id, university.client.secret),
      credentials: (i) => graduates[i] as Record<string, string>,
      serverPids: () => [us.pid],
      databasePids: () => {
        const theirs = keycloakDatabase();
        return databasePids().filter((pid) => !theirs.includes(pid));
      },
    },
  ];
  const idle = Object.fromEntries(servers.map((s) => [s.name, s.serverPids().reduce((sum, pid) => sum + rssMiB(pid), 0)]));
  for (const server of servers) await login(server, 0); // warm: pages, keys, caches
  const results = new Map<string, Array<Record<string, Figures>>>(servers.map((s) => [s.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    // Interleaved, and each round starts with the other server: neither always runs on a machine the other just warmed.
    for (const server of r % 2 ? [...servers].reverse() : servers) {
      log(`round ${r + 1}: ${server.name}`);
      results.get(server.name)?.push(await round(server));
    }
  }
  const memory = Object.fromEntries(
    servers.map((s) => {
      const server = s.serverPids().reduce((sum, pid) => sum + rssMiB(pid), 0);
      const database = s.databasePids().reduce((sum, pid) => sum + pssMiB(pid), 0);
      return [s.name, { idle: idle[s.name] as number, server, database }];
    }),
  );
  writeReport(servers, results, memory, verifyCpuMs);
} finally {
  await keycloak.stop();
  us.stop();
  await service.stop();
}

function writeReport(
  servers: Server[],
  results: Map<string, Array<Record<string, Figures>>>,
  memory: Record<string, { idle: number; server: number; database: number }>,
  verifyMs: number,
) {
  const [kc, ours] = servers.map((s) => s.name) as [string, string];
  const med = (name: string, measure: string, field: keyof Figures) =>
    median((results.get(name) ?? []).map((r) => (r[measure] as Figures)[field]));
  const ratio = (a: number, b: number) => (b > 0.005 ? `×${(a / b).toFixed(2)}` : '—');
  const ourLimit = (cores * 1000) / (2 * verifyMs);
  const row = (label: string, measure: string, field: keyof Figures, digits = 1, higherIsBetter = true) => {
    const [k, u] = [med(kc, measure, field), med(ours, measure, field)];
    return `| ${label} | ${k.toFixed(digits)} | ${u.toFixed(digits)} | ${ratio(u, k)}${higherIsBetter ? '' : ' (lower is better)'} |`;
  };
  const rounds = servers.flatMap((s) =>
    (results.get(s.name) ?? []).map(
      (r, i) =>
        `| ${s.name} | ${i + 1} | ${r.logins?.perSecond.toFixed(1)} | ${r.refresh?.perSecond.toFixed(0)} | ${r.userinfo?.perSecond.toFixed(0)} |`,
    ),
  );
  const total = (name: string) => (memory[name]?.server ?? 0) + (memory[name]?.database ?? 0);
  const md = [
    '# Side by side with Keycloak',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:peer\` on this machine (${cores} cores shared by both servers, their databases and the load).`,
    `Keycloak ${KEYCLOAK_VERSION} (Maven Central, production mode, PostgreSQL, Java ${javaVersion()}, default heap ≤ 512 MiB, one node, local caches) and`,
    'cert-idp (`src/main.ts` as in production, embedded FerretDB on PostgreSQL, Redis protocol store), one process each.',
    `Same load code for both (bench/peer-keycloak.ts); ${ROUNDS} interleaved rounds; medians. How to read it: [docs/benchmark.md](../docs/benchmark.md).`,
    '',
    `Password hashing: Keycloak ${KEYCLOAK_HASH}, one verification per login; cert-idp argon2id ${service.config.argon2.memoryCostKiB} KiB,`,
    `${service.config.argon2.timeCost} iterations, ${service.config.argon2.parallelism} lane, two verifications per login (password and second password), ${verifyMs.toFixed(1)} ms CPU each here: a limit of ${ourLimit.toFixed(1)} logins/s on ${cores} cores.`,
    '',
    '| measure (median) | Keycloak | cert-idp | cert-idp ÷ Keycloak |',
    '| --- | --- | --- | --- |',
    row('logins / s, 4 at a time (code flow through the HTML form)', 'logins', 'perSecond'),
    `| logins / s as % of cert-idp's own argon2id limit | | ${((100 * med(ours, 'logins', 'perSecond')) / ourLimit).toFixed(0)} % | |`,
    row('CPU per login, server (ms)', 'logins', 'serverMs', 1, false),
    row('CPU per login, database and store processes (ms)', 'logins', 'databaseMs', 1, false),
    row('refresh-token grants / s, 8 rotating chains', 'refresh', 'perSecond', 0),
    row('CPU per refresh, server (ms)', 'refresh', 'serverMs', 2, false),
    row('userinfo / s, 8 at a time', 'userinfo', 'perSecond', 0),
    row('CPU per userinfo, server (ms)', 'userinfo', 'serverMs', 2, false),
    row('CPU per userinfo, database and store (ms)', 'userinfo', 'databaseMs', 2, false),
    `| server RSS idle → after (MiB) | ${memory[kc]?.idle.toFixed(0)} → ${memory[kc]?.server.toFixed(0)} | ${memory[ours]?.idle.toFixed(0)} → ${memory[ours]?.server.toFixed(0)} | ${ratio(memory[ours]?.server ?? 0, memory[kc]?.server ?? 1)} |`,
    `| server RSS + database PSS after the run (MiB) | ${total(kc).toFixed(0)} | ${total(ours).toFixed(0)} | ${ratio(total(ours), total(kc))} |`,
    '',
    'Every round:',
    '',
    '| server | round | logins / s | refresh / s | userinfo / s |',
    '| --- | --- | --- | --- | --- |',
    ...rounds,
    '',
  ].join('\n');
  writeFigures(new URL('./peer-keycloak.md', import.meta.url), md);
  console.log(md);
}
