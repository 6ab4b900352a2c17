import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { portAnswers } from './ferretdb.ts';
import type { ProcessLog } from './process-log.ts';

/** Debian's redis-server (scripts/setup.ts installs it); REDIS_SERVER_BIN overrides. */
export const redisServerBinary = () => process.env.REDIS_SERVER_BIN ?? 'redis-server';

export interface EmbeddedRedis {
  url: string;
  /** False when the port already answered (a running service's) and we only joined it. */
  owned: boolean;
  pid(): number | undefined;
  stop(): Promise<void>;
}

function spawnRedis(options: { port: number; dir: string; throwAway: boolean; log: ProcessLog }): ChildProcess {
  // Loopback only. A throw-away store keeps nothing on disk; the development one writes an
  // append-only file each second, so sessions survive a restart of `npm start`.
  const persistence = options.throwAway ? ['--save', '', '--appendonly', 'no'] : ['--save', '', '--appendonly', 'yes'];
  const child = spawn(
    redisServerBinary(),
    ['--port', String(options.port), '--bind', '127.0.0.1', '--dir', options.dir, '--daemonize', 'no', ...persistence],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  options.log.follow(child.stdout, `redis ${child.pid}`);
  options.log.follow(child.stderr, `redis ${child.pid} (stderr)`);
  return child;
}

async function answering(child: ChildProcess, port: number, log: ProcessLog): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await portAnswers(port))) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`redis-server exited at start: ${log.recent() || 'is it installed? run "npm run setup"'}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('redis-server did not start within 15 s');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The protocol store for development, tests and benchmarks: redis-server on a loopback port, its
 * files under `dir`. Started again when it dies while we run (what was written in the last second
 * may be lost, as with any Redis without fsync per write). When the port already answers, joined.
 */
export async function startEmbeddedRedis(options: {
  port: number;
  dir: string;
  throwAway: boolean;
  log: ProcessLog;
}): Promise<EmbeddedRedis> {
  const url = `redis://127.0.0.1:${options.port}`;
  if (await portAnswers(options.port)) return { url, owned: false, pid: () => undefined, stop: async () => undefined };
  mkdirSync(options.dir, { recursive: true });
  let stopping = false;
  let child = spawnRedis(options);
  // A second later, so that a redis-server that cannot start (its port taken meanwhile) is not
  // started again in a tight loop; the log says why it stopped.
  const restartOnExit = (process: ChildProcess) =>
    process.once('exit', () => {
      setTimeout(() => {
        if (stopping) return;
        child = spawnRedis(options);
        restartOnExit(child);
      }, 1000).unref();
    });
  await answering(child, options.port, options.log);
  restartOnExit(child);
  return {
    url,
    owned: true,
    pid: () => child.pid,
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
