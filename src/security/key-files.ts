import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/load.ts';
import { messageOf } from '../errors.ts';

/** A JSON file of keys/, or undefined when it does not exist yet. */
export function readKeyFile<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read ${file}: ${messageOf(error)}`);
  }
}

/** Writes a key file readable by its owner only. */
export function writeKeyFile(dir: string, file: string, value: unknown): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, file), `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}

export type RotationStep = 'add' | 'promote' | 'retire';

/**
 * One step of key rotation over an ordered key list whose first key signs: `add` appends a new key
 * (published, not signing), `promote` moves the named key first, `retire` removes a key that no
 * longer signs. Shared by the OIDC signing keys and the SAML SP keys.
 */
export async function rotateKeyList<K>(
  keys: K[],
  step: RotationStep,
  options: { id?: string; idOf: (key: K) => string | undefined; create: () => Promise<K>; what: string },
): Promise<K[]> {
  if (step === 'add') return [...keys, await options.create()];
  const index = keys.findIndex((key) => options.idOf(key) === options.id);
  if (index < 0) throw new ConfigError(`no ${options.what} ${options.id}`);
  if (step === 'promote') return [keys[index] as K, ...keys.filter((_, i) => i !== index)];
  if (index === 0) throw new ConfigError('the signing key cannot be retired; promote another key first');
  return keys.filter((_, i) => i !== index);
}
