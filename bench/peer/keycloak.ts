// Keycloak as a university would run it beside us: the distribution from Maven Central, production
// mode, its own PostgreSQL cluster, one node, the default heap (≤ 512 MiB). For bench/peer-keycloak.ts.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPrivateCluster } from '../../src/db/embedded/postgres.ts';
import { ProcessLog } from '../../src/db/embedded/process-log.ts';
import { throwAwayDataDir } from '../../src/db/embedded.ts';
import { freePort } from '../../src/dev/free-port.ts';

export const KEYCLOAK_VERSION = process.env.KEYCLOAK_VERSION ?? '26.7.3';
const root = fileURLToPath(new URL('../../', import.meta.url));
const tools = resolve(root, '.tools');
const home = join(tools, `keycloak-${KEYCLOAK_VERSION}`);
const ADMIN = { username: 'bench-admin', password: 'bench-admin-password' };

/** Keycloak's own defaults for passwords in this version (argon2 since 24), as its documentation gives them. */
export const KEYCLOAK_HASH = 'argon2id, 7168 KiB, 5 iterations, 1 lane (Keycloak 26 default)';

/** `mvn dependency:copy` of the distribution zip, unpacked into .tools/, then Keycloak's build step for PostgreSQL. */
function install(log: (line: string) => void): void {
  if (existsSync(join(home, '.built-for-postgres'))) return;
  const zip = join(tools, `keycloak-quarkus-dist-${KEYCLOAK_VERSION}.zip`);
  if (!existsSync(zip)) {
    log(`fetching Keycloak ${KEYCLOAK_VERSION} from Maven Central`);
    execFileSync(
      'mvn',
      [
        '-q',
        'dependency:copy',
        `-Dartifact=org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:zip`,
        `-DoutputDirectory=${tools}`,
      ],
      { stdio: 'inherit' },
    );
  }
  execFileSync('unzip', ['-q', '-o', zip, '-d', tools]);
  log('building Keycloak for PostgreSQL (kc.sh build, once)');
  execFileSync(join(home, 'bin/kc.sh'), ['build', '--db=postgres', '--health-enabled=true'], { stdio: 'ignore' });
  writeFileSync(join(home, '.built-for-postgres'), '');
}

async function adminToken(base: string): Promise<string> {
  const response = await fetch(`${base}/realms/master/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', ...ADMIN }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function admin(base: string, token: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${base}/admin/realms${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`Keycloak admin ${path}: ${response.status} ${await response.text()}`);
}

export interface PeerUser {
  username: string;
  password: string;
}

/** A realm with a confidential client (code flow, PKCE) and `users` who can log in at once. */
async function provision(base: string, redirectUri: string, users: PeerUser[]) {
  const token = await adminToken(base);
  await admin(base, token, '', { realm: 'bench', enabled: true, sslRequired: 'none' });
  const client = { id: 'bench-rp', secret: 'bench-rp-secret-0123456789abcdef' };
  await admin(base, token, '/bench/clients', {
    clientId: client.id,
    secret: client.secret,
    publicClient: false,
    standardFlowEnabled: true,
    directAccessGrantsEnabled: false,
    redirectUris: [redirectUri],
    attributes: { 'pkce.code.challenge.method': 'S256' },
  });
  for (const user of users) {
    await admin(base, token, '/bench/users', {
      username: user.username,
      email: `${user.username}@example.com`,
      emailVerified: true,
      firstName: 'Hanako',
      lastName: 'Sato',
      enabled: true,
      credentials: [{ type: 'password', value: user.password, temporary: false }],
    });
  }
  return client;
}

export interface RunningKeycloak {
  issuer: string;
  client: { id: string; secret: string };
  /** The Java process. */
  pid: number;
  /** Its PostgreSQL's postmaster (its backends are that process's children). */
  postgresPid: number;
  stop(): Promise<void>;
}

export async function startKeycloak(
  redirectUri: string,
  users: PeerUser[],
  log: (line: string) => void,
): Promise<RunningKeycloak> {
  install(log);
  const dir = throwAwayDataDir('cert-idp-peer-keycloak-');
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const pgLog = new ProcessLog(join(dir, 'logs'), 'postgres');
  const pgPort = await freePort();
  const cluster = await startPrivateCluster(join(dir, 'postgres'), {
    throwAway: true,
    maxConnections: 110,
    log: pgLog,
    tcpPort: pgPort,
  });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    join(home, 'bin/kc.sh'),
    [
      'start',
      '--optimized',
      '--http-enabled=true',
      `--http-port=${port}`,
      `--http-management-port=${await freePort()}`,
      '--hostname-strict=false',
      `--db-url=jdbc:postgresql://127.0.0.1:${pgPort}/postgres`,
      '--db-username=ferretdb',
      '--db-password=unused',
      '--cache=local',
    ],
    {
      env: { ...process.env, KC_BOOTSTRAP_ADMIN_USERNAME: ADMIN.username, KC_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const deadline = Date.now() + 300_000;
  while (
    !(await fetch(`${base}/realms/master`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null) throw new Error('Keycloak exited at start');
    if (Date.now() > deadline) throw new Error('Keycloak did not start within 5 minutes');
    await new Promise((r) => setTimeout(r, 500));
  }
  const client = await provision(base, redirectUri, users);
  return {
    issuer: `${base}/realms/bench`,
    client,
    pid: child.pid as number,
    postgresPid: cluster.pid,
    async stop() {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
      await cluster.stop();
      await pgLog.close();
    },
  };
}
