import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Config } from '../config/schema.ts';
import { messageOf } from '../errors.ts';
import { hasControlCharacters } from '../text/control-characters.ts';

/** A command line that cannot be run as typed: the message, then the usage. */
export class UsageError extends Error {}

/** What connecting found: the indexes that were missing and were made. */
export interface DatabaseState {
  createdIndexes: string[];
}

/** One operator command: its arguments after the group and action, the configuration, the database. */
export type Command = (args: string[], config: Config, database: DatabaseState) => Promise<void>;
/** A command group (tenant, client, …): its actions by name. */
export type CommandGroup = Record<string, Command>;

type Spec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

/** The options of a command, by node:util's parseArgs: unknown or missing ones are usage errors. */
export function options<T extends Spec>(args: string[], spec: T, required: Array<keyof T & string> = []) {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    values = parseArgs({ args, options: spec, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(messageOf(error));
  }
  for (const name of required) {
    if (values[name] === undefined || values[name] === '') throw new UsageError(`--${name} is required`);
  }
  // Requirement X3.3: an operator's text enters like any form's.
  for (const [name, value] of Object.entries(values)) {
    const texts = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
    if (texts.some(hasControlCharacters)) throw new UsageError(`--${name} contains a control character (NUL or the like)`);
  }
  const str = (name: keyof T & string) => (values[name] as string | undefined) ?? '';
  const list = (name: keyof T & string) => (values[name] as string[] | undefined) ?? [];
  const flag = (name: keyof T & string) => values[name] === true;
  return { str, list, flag };
}

export const s = { type: 'string' } as const;
export const many = { type: 'string', multiple: true } as const;
export const bool = { type: 'boolean' } as const;

export function yesNo(flag: string, value: string): boolean {
  if (value === 'true' || value === 'false') return value === 'true';
  throw new UsageError(`--${flag} must be true or false`);
}

/** The file an option names, read; a missing one is a usage error naming the option. */
export function readOptionFile(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --${flag}: ${messageOf(error)}`);
  }
}

/** KEY=VALUE pairs of a repeated option. */
export function pairs(flag: string, values: string[]): Array<[string, string]> {
  return values.map((pair) => {
    const [key = '', value = ''] = pair.split('=');
    if (!key || !value) throw new UsageError(`--${flag} "${pair}" must be KEY=VALUE`);
    return [key, value];
  });
}
