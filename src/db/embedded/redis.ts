import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { portAnswers, untilPortAnswers } from './ferretdb.ts';
import { ProcessLog } from './process-log.ts';

/** Debian's redis-server (scripts/setup.ts installs it); REDIS_SERVER_BIN overrides. */
export const redisServerBinary = () => process.env.REDIS_SERVER_BIN ?? 'redis-server';

export interface EmbeddedRedis {
  url: string;
  /** False when the port already answered (a running service's) and we only joined it. */
  owned: boolean;
  pid(): number | undefined;
  stop(): Promise<void>;
}

interface Options {
  port: number;
  /** Its files go under `dataDir/redis`, its output to `dataDir/logs/redis.log`, beside the embedded database's. */
  dataDir: string;
  throwAway: boolean;
}

function spawnRedis(options: Options, log: ProcessLog): ChildProcess {
  // Loopback only. A throw-away store keeps nothing on disk; the development one writes an
  // append-only file each second, so sessions survive a restart of `npm start`.
  const persistence = options.throwAway ? ['--save', '', '--appendonly', 'no'] : ['--save', '', '--appendonly', 'yes'];
  const dir = join(options.dataDir, 'redis');
  const child = spawn(
    redisServerBinary(),
    ['--port', String(options.port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', ...persistence],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  log.follow(child.stdout, `redis ${child.pid}`);
  log.follow(child.stderr, `redis ${child.pid} (stderr)`);
  return child;
}

/**
 * The protocol store for development, tests and benchmarks: redis-server on a loopback port. Started
 * again when it dies while we run (what was written in the last second may be lost, as with any Redis
 * without fsync per write). When the port already answers, joined.
 */
export async function startEmbeddedRedis(options: Options): Promise<EmbeddedRedis> {
  const url = `redis://127.0.0.1:${options.port}`;
  if (await portAnswers(options.port)) return { url, owned: false, pid: () => undefined, stop: async () => undefined };
  mkdirSync(join(options.dataDir, 'redis'), { recursive: true });
  const log = new ProcessLog(join(options.dataDir, 'logs'), 'redis');
  let stopping = false;
  let child = spawnRedis(options, log);
  // A second later, so that a redis-server that cannot start (its port taken meanwhile) is not
  // started again in a tight loop; the log says why it stopped.
  const restartOnExit = (process: ChildProcess) =>
    process.once('exit', () => {
      setTimeout(() => {
        if (stopping) return;
        child = spawnRedis(options, log);
        restartOnExit(child);
      }, 1000).unref();
    });
  try {
    await untilPortAnswers(child, options.port, 'redis-server', log);
  } catch (error) {
    await log.close();
    throw error;
  }
  restartOnExit(child);
  return {
    url,
    owned: true,
    pid: () => child.pid,
    async stop() {
      if (stopping) return;
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((done) => child.once('exit', () => done()));
        child.kill('SIGTERM');
        await exited;
      }
      await log.close();
    },
  };
}
