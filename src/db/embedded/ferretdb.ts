import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLUSTER_USER } from './postgres.ts';
import type { ProcessLog } from './process-log.ts';

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Where scripts/setup.ts installs FerretDB; FERRETDB_BIN overrides. */
export function ferretdbBinary(): string {
  return process.env.FERRETDB_BIN ?? resolve(projectRoot, '.tools/bin/ferretdb');
}

export function portAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/**
 * Waits until the process `child` just started (`name` in messages) answers on `port`: an error
 * with what it said when it exits or cannot be run, a kill and an error after 15 seconds.
 */
export async function untilPortAnswers(child: ChildProcess, port: number, name: string, log: ProcessLog): Promise<void> {
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const deadline = Date.now() + 15_000;
  while (!(await portAnswers(port))) {
    if (spawnError) throw new Error(`${name} could not be run: ${spawnError.message}; run "npm run setup"`);
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${name} exited at start: ${log.recent() || 'it said nothing; is it installed? run "npm run setup"'}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start within 15 s`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface FerretDb {
  child: ChildProcess;
  exited: Promise<void>;
  /** Whether the process is still running (neither exited nor killed). */
  running(): boolean;
}

/** FerretDB on a loopback port over the cluster's socket, with `poolSize` PostgreSQL connections. */
export async function startFerretDB(options: {
  port: number;
  stateDir: string;
  socketDir: string;
  poolSize: number;
  log: ProcessLog;
}): Promise<FerretDb> {
  const binary = ferretdbBinary();
  if (!existsSync(binary)) throw new Error(`FerretDB is not installed at ${binary}; run "npm run setup"`);
  mkdirSync(options.stateDir, { recursive: true });
  const postgresUrl = `postgres://${CLUSTER_USER}@/postgres?host=${encodeURIComponent(options.socketDir)}&pool_max_conns=${options.poolSize}`;
  const child = spawn(
    binary,
    [
      '--handler=postgresql',
      `--postgresql-url=${postgresUrl}`,
      `--state-dir=${options.stateDir}`,
      `--listen-addr=127.0.0.1:${options.port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=warn',
    ],
    // Go's collector at a quarter of the pace (GOGC=400): about a fifth less FerretDB CPU per login
    // for about 12 MiB more memory. One Go processor (GOMAXPROCS=1): its goroutines mostly wait for
    // PostgreSQL, and a second processor only spun looking for work, a tenth of FerretDB's CPU for
    // no more logins a second (bench/results.md). Either set in the environment wins.
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GOGC: process.env.GOGC ?? '400', GOMAXPROCS: process.env.GOMAXPROCS ?? '1' },
    },
  );
  options.log.follow(child.stdout, `ferretdb ${child.pid}`);
  options.log.follow(child.stderr, `ferretdb ${child.pid} (stderr)`);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  await untilPortAnswers(child, options.port, 'FerretDB', options.log);
  return { child, exited, running: () => child.exitCode === null && child.signalCode === null };
}
