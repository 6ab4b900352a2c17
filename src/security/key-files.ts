import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/load.ts';

/** A JSON file of keys/, or undefined when it does not exist yet. */
export function readKeyFile<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** Writes a key file readable by its owner only. */
export function writeKeyFile(dir: string, file: string, value: unknown): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, file), `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}
