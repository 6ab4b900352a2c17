import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * What a process of ours started by a test inherits from the test run: the path and home, and Node's
 * compile cache (scripts/with-test-services.ts), so each of the suite's many child processes loads its
 * modules from V8's cache instead of stripping and compiling them again (~0.2 s each).
 */
export function inheritedEnv(): Record<string, string> {
  const { PATH = '', HOME = '', NODE_COMPILE_CACHE } = process.env;
  return { PATH, HOME, ...(NODE_COMPILE_CACHE ? { NODE_COMPILE_CACHE } : {}) };
}

/** The test protocol store started by scripts/with-test-services.ts, with `database`'s name as the key prefix. */
export function testStore(database: string): { url: string; prefix: string } {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error('TEST_REDIS_URL is not set: run the tests with "npm test"');
  return { url, prefix: `${new URL(database).pathname.slice(1)}:` };
}

/** The environment of a process of ours on test database `database` and the test protocol store under its name. */
export function testServiceEnv(database: string): Record<string, string> {
  const { url, prefix } = testStore(database);
  return { MONGODB_URI: database, REDIS_URL: url, REDIS_PREFIX: prefix };
}

/** A command given a test database uses the test protocol store, under the same name. */
function storeOf(env: Record<string, string>): Record<string, string> {
  if (!env.MONGODB_URI || env.REDIS_URL || !process.env.TEST_REDIS_URL) return {};
  return testServiceEnv(env.MONGODB_URI);
}

/** Runs one of our entry points (src/main.ts, src/cli/main.ts) as an operator would, on this Node. */
export function runScript(script: string, args: string[], env: Record<string, string>, timeout = 60_000): Promise<RunResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [script, ...args],
      { cwd: root, env: { ...inheritedEnv(), ...storeOf(env), ...env }, timeout },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}
