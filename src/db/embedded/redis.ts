import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { portAnswers, untilPortAnswers } from './ferretdb.ts';
import { ProcessLog } from './process-log.ts';

/** Debian's redis-server (scripts/setup.ts installs it); REDIS_SERVER_BIN overrides. */
export const redisServerBinary = () => process.env.REDIS_SERVER_BIN ?? 'redis-server';

export interface EmbeddedRedis {
  url: string;
  /** Our redis-server's pid; undefined while the port is answered by another process's (joined). */
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

const alive = (child: ChildProcess | undefined): child is ChildProcess =>
  child !== undefined && child.exitCode === null && child.signalCode === null;

/**
 * The protocol store for development, tests and benchmarks: redis-server on a loopback port. When the
 * port already answers (another `npm start` or operator command), joined. Watched each second: when
 * ours died, or the process we joined stopped and took its redis-server along, one is started again
 * (what was written in the last second may be lost, as with any Redis without fsync per write).
 */
export async function startEmbeddedRedis(options: Options): Promise<EmbeddedRedis> {
  // Opened with our first redis-server: a joiner leaves the log to the process it joined.
  let log: ProcessLog | undefined;
  const spawnOwn = () => {
    mkdirSync(join(options.dataDir, 'redis'), { recursive: true });
    log ??= new ProcessLog(join(options.dataDir, 'logs'), 'redis');
    return { child: spawnRedis(options, log), log };
  };
  let child: ChildProcess | undefined;
  if (!(await portAnswers(options.port))) {
    const started = spawnOwn();
    child = started.child;
    try {
      await untilPortAnswers(child, options.port, 'redis-server', started.log);
    } catch (error) {
      await started.log.close();
      throw error;
    }
  }
  let stopping = false;
  // A second apart, so a redis-server that cannot start (its port taken meanwhile by another joiner's)
  // is not started again in a tight loop; the log says why it stopped, and the next look joins the other.
  const watch = async () => {
    if (stopping) return;
    if (!alive(child) && !(await portAnswers(options.port)) && !stopping) child = spawnOwn().child;
    setTimeout(watch, 1000).unref();
  };
  setTimeout(watch, 1000).unref();
  return {
    url: `redis://127.0.0.1:${options.port}`,
    pid: () => (alive(child) ? child.pid : undefined),
    async stop() {
      if (stopping) return;
      stopping = true;
      if (alive(child)) {
        const running = child;
        const exited = new Promise<void>((done) => running.once('exit', () => done()));
        running.kill('SIGTERM');
        await exited;
      }
      await log?.close();
    },
  };
}
