// A private PostgreSQL cluster under FerretDB: made with initdb in our own data folder, reachable only
// through a Unix socket in a fresh 0700 folder (no TCP port), started and stopped with its owner.
import { type ChildProcess, execFile, execFileSync, type SpawnOptions, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ProcessLog } from './process-log.ts';

/** The cluster's superuser, which FerretDB connects as. */
export const CLUSTER_USER = 'ferretdb';

export interface PrivateCluster {
  /** The folder holding the cluster's socket (PostgreSQL's `-k`). */
  socketDir: string;
  binDir: string;
  /** The postmaster's process id. */
  pid: number;
  /** Whether the postmaster is still running. */
  running(): boolean;
  /** Whether PostgreSQL runs a query within `timeoutMs`. */
  answers(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

/** Debian's PostgreSQL binaries (the newest major version installed); PG_BIN overrides. */
export function postgresBinDir(): string | undefined {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin/postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

/**
 * PostgreSQL refuses to run as root: then the cluster belongs to Debian's `postgres` user and every
 * PostgreSQL program runs as it.
 */
function clusterOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error('the embedded database runs PostgreSQL as the "postgres" user, which is missing; run "npm run setup"');
  }
}

/** Whether `owner` can reach `dir` (every folder above it lets others pass, or is theirs). */
function reachable(dir: string, owner: { uid: number }): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(d)) {
      const { mode, uid } = statSync(d);
      if (uid !== owner.uid && !(mode & 0o001)) return false;
    }
    if (d === dirname(d)) return true;
  }
}

/** Where the cluster lives: `dir`, unless the owner cannot reach it (a private temp folder of root's). */
function clusterDir(dir: string, owner: { uid: number } | undefined): string {
  if (!owner || reachable(dir, owner)) return dir;
  const hash = createHash('sha256').update(dir).digest('hex').slice(0, 16);
  return join('/var/tmp/cert-idp-postgres', hash);
}

function run(binary: string, args: string[], owner: { uid: number; gid: number } | undefined): void {
  try {
    execFileSync(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], ...(owner ?? {}) });
  } catch (error) {
    throw new Error(`${binary} failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`);
  }
}

/** A cluster left running by a process that was killed (its FerretDB is gone with it): stop it. */
async function stopOrphan(dir: string): Promise<void> {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!pid || !alive()) return;
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 200 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
}

async function waitReady(dir: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  const pidFile = join(dir, 'postmaster.pid');
  // postmaster.pid's eighth line reads "ready" once connections are accepted (PostgreSQL ≥ 10).
  const ready = () => {
    const lines = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').split('\n') : [];
    return Number(lines[0]) === child.pid && lines[7]?.startsWith('ready');
  };
  while (!ready()) {
    if (child.exitCode !== null) throw new Error(`PostgreSQL exited at start: ${stderr().trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('PostgreSQL did not start within 30 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Creates the cluster at `dir` on first use and starts it, its output going to `log`. A commit is
 * acknowledged once it is in the write-ahead log (synchronous_commit on), so a PostgreSQL that is
 * killed and started again by the supervisor has every write it acknowledged. `throwAway` (tests,
 * benchmarks) turns off fsync: a killed process loses nothing, only a crash of the machine would.
 */
export async function startPrivateCluster(
  dir: string,
  options: { throwAway: boolean; maxConnections: number; log: ProcessLog; tcpPort?: number },
): Promise<PrivateCluster> {
  const binDir = postgresBinDir();
  if (!binDir) throw new Error('PostgreSQL is not installed (the embedded database needs it); run "npm run setup"');
  const owner = clusterOwner();
  const dataDir = clusterDir(resolve(dir), owner);
  mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (owner) chownSync(dataDir, owner.uid, owner.gid);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    run(join(binDir, 'initdb'), ['-D', dataDir, '-U', CLUSTER_USER, '--auth=trust', '-E', 'UTF8', '--no-locale'], owner);
  }
  await stopOrphan(dataDir);
  const socketDir = mkdtempSync(join(tmpdir(), 'cert-idp-pg-'));
  if (owner) chownSync(socketDir, owner.uid, owner.gid);
  const settings = {
    // A loopback port only for a peer that speaks no Unix socket (Keycloak's JDBC, bench/peer-keycloak.ts).
    listen_addresses: options.tcpPort ? '127.0.0.1' : '',
    ...(options.tcpPort ? { port: String(options.tcpPort) } : {}),
    unix_socket_permissions: '0700',
    max_connections: String(options.maxConnections),
    // Statistics soon after a table fills: without them the planner also ANDs in the GIN index of a
    // field nearly every row shares (`kind`, `tenantId`), which costs more than the lookup itself.
    autovacuum_naptime: '5s',
    autovacuum_analyze_scale_factor: '0.02',
    ...(options.throwAway ? { fsync: 'off', full_page_writes: 'off' } : {}),
  };
  const args = ['-D', dataDir, '-k', socketDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const spawnOptions: SpawnOptions = { stdio: ['ignore', 'pipe', 'pipe'], ...(owner ?? {}) };
  const child = spawn(join(binDir, 'postgres'), args, spawnOptions);
  options.log.follow(child.stdout, `postgres ${child.pid}`);
  options.log.follow(child.stderr, `postgres ${child.pid} (stderr)`);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  try {
    await waitReady(dataDir, child, () => options.log.recent());
  } catch (error) {
    rmSync(socketDir, { recursive: true, force: true });
    throw error;
  }
  const psql = join(binDir, 'psql');
  return {
    socketDir,
    binDir,
    pid: child.pid as number,
    running: () => child.exitCode === null && child.signalCode === null,
    answers: (timeoutMs) =>
      new Promise((done) =>
        execFile(
          psql,
          ['-h', socketDir, '-U', CLUSTER_USER, '-d', 'postgres', '-X', '-qAt', '-c', 'select 1'],
          { timeout: timeoutMs },
          (error) => done(!error),
        ),
      ),
    async stop() {
      // SIGINT: PostgreSQL's fast shutdown (ends sessions, checkpoints, exits).
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}
