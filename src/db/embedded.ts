import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

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

export interface EmbeddedDb {
  uri: string;
  /** False when another process of ours already served this data folder and we only joined it. */
  owned: boolean;
  stop(): Promise<void>;
}

/**
 * Starts FerretDB (SQLite backend) on a loopback port for development and tests. When the port
 * already answers (the service is running and an operator command joins it) we reuse it rather
 * than open the same SQLite files from a second process.
 */
export async function startEmbeddedDb(options: { port: number; dataDir: string }): Promise<EmbeddedDb> {
  const uri = `mongodb://127.0.0.1:${options.port}/`;
  if (await portAnswers(options.port)) return { uri, owned: false, stop: async () => undefined };
  const binary = ferretdbBinary();
  if (!existsSync(binary)) throw new Error(`FerretDB is not installed at ${binary}; run "npm run setup"`);
  const dataDir = resolve(projectRoot, options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const child: ChildProcess = spawn(
    binary,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dataDir}/`,
      `--state-dir=${dataDir}`,
      `--listen-addr=127.0.0.1:${options.port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const deadline = Date.now() + 15_000;
  while (!(await portAnswers(options.port))) {
    if (child.exitCode !== null) throw new Error(`FerretDB exited at start: ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('FerretDB did not start within 15 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    uri,
    owned: true,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
