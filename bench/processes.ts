// The processes a benchmark measures: another instance of the service, and the resident memory and
// CPU time of it and of the embedded database, read from /proc (Linux).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Config } from '../src/config/schema.ts';
import { freePort } from '../src/dev/free-port.ts';

/** Resident memory of a process (Linux), in MiB. */
export const rssMiB = (pid: number) =>
  Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;

const TICKS_PER_SECOND = 100; // Linux USER_HZ
/** /proc/<pid>/stat's fields after the command name; empty once the process has ended. */
function statFields(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  } catch {
    return [];
  }
}
/** CPU seconds (user + system) a process and its children that have ended have used so far. */
function cpuSeconds(pid: number): number {
  const fields = statFields(pid).slice(11, 15); // utime, stime, cutime, cstime
  return fields.reduce((sum, ticks) => sum + Number(ticks), 0) / TICKS_PER_SECOND;
}

/**
 * Starts counting the CPU seconds of the processes `pids` lists, counting also those that start or end
 * in the meantime (PostgreSQL's backends and autovacuum workers): a process that ended is in its
 * parent's reaped-children time, so that of every listed parent is counted too. Returns the reading.
 */
export function cpuMeter(pids: () => number[]): () => number {
  const reading = () => new Map(pids().map((pid) => [pid, cpuSeconds(pid)]));
  const before = reading();
  return () => {
    const after = reading();
    let seconds = 0;
    for (const [pid, cpu] of after) seconds += cpu - (before.get(pid) ?? 0);
    for (const [pid, cpu] of before) if (!after.has(pid)) seconds -= cpu; // now in its parent's reaped time
    return seconds;
  };
}

/** The processes of the embedded database (FerretDB and every PostgreSQL process) and of the protocol store (redis-server) on this machine. */
export function databasePids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return /^(ferretdb|postgres|redis-server)$/.test(readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
      } catch {
        return false;
      }
    });
}

/** CPU seconds of the given processes while `task` runs. */
export async function cpuOf(pids: () => number[], task: () => Promise<unknown>): Promise<number> {
  const meter = cpuMeter(pids);
  await task();
  return meter();
}

/**
 * Another instance of the service, started as in production (`node --max-semi-space-size=8 --max-old-space-size=512
 * src/main.ts`, production's polling), sharing the database, keys and public address (its own when
 * `issuer` is empty), database, protocol store, SMTP server and keys of `config`.
 */
export async function startInstance(issuer: string, config: Config, env: Record<string, string> = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--max-semi-space-size=8', '--max-old-space-size=512', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      PORT: String(port),
      ISSUER: issuer || `http://127.0.0.1:${port}`,
      MONGODB_URI: config.mongodb.uri as string,
      REDIS_URL: config.redis.url as string,
      REDIS_PREFIX: config.redis.prefix,
      KEYS_DIR: config.keysDir,
      // Its mail to the same SMTP server: without one, every mail would fail and pile up as retries.
      SMTP_URL: config.mail.smtpUrl,
      LOG_LEVEL: 'warn',
      // As in production: background polls at their default pace, no driver command events.
      CHANGE_POLL_MS: '2000',
      MAIL_POLL_INTERVAL_MS: '1000',
      MONGODB_MONITOR_COMMANDS: 'false',
      ...env,
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
