import { readdirSync, readFileSync } from 'node:fs';
import test from 'ava';
import { LANGUAGES, stringTables } from '../src/i18n/index.ts';
// Registers the strategies' own strings, as the service does when it loads them.
import '../src/login/strategies/index.ts';

type Table = Record<string, unknown>;

function keyPaths(table: Table, prefix = ''): string[] {
  return Object.entries(table).flatMap(([name, value]) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? keyPaths(value as Table, `${prefix}${name}.`)
      : [`${prefix}${name}`],
  );
}

function lookUp(table: Table | undefined, path: string): unknown {
  return path.split('.').reduce<unknown>((node, name) => (node as Table | undefined)?.[name], table);
}

/** The message keys written literally in code and views: t('…'), message('…'), …Key: '…'. */
function keysInSources(): Map<string, string> {
  const files = ['src', 'views']
    .flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((name) => `${dir}/${name}`))
    .filter((file) => /\.(ts|eta)$/.test(file));
  const keys = new Map<string, string>();
  const literal = /(?:\bt\(|\bmessage\(|Key: ?)'((?:[a-z][\w-]*:)?[a-z]\w*(?:\.\w+)+|[a-z][\w-]*:\w+(?:\.\w+)*)'(?!\s*\+)/g;
  for (const file of files) {
    for (const [, key] of readFileSync(file, 'utf8').matchAll(literal)) keys.set(key as string, file);
  }
  return keys;
}

test('every string a person can see exists in Japanese and in English, in the shared tables and in each strategy folder', (t) => {
  const tables = stringTables();
  const namespaces = Object.keys(tables.ja);
  t.true(
    namespaces.includes('login-passkey') && namespaces.includes('login-student-saml'),
    'the strategies registered their strings',
  );
  for (const ns of namespaces) {
    const ja = keyPaths(tables.ja[ns] as Table).sort();
    const en = keyPaths(tables.en[ns] as Table).sort();
    t.deepEqual(en, ja, `${ns}: the same keys in both languages`);
    for (const lang of LANGUAGES) {
      const empty = keyPaths(tables[lang][ns] as Table).filter((path) => lookUp(tables[lang][ns] as Table, path) === '');
      t.deepEqual(empty, [], `${ns} (${lang}): no empty string`);
    }
  }
});

test('every message key the code and the views use is worded in both languages', (t) => {
  const tables = stringTables();
  const keys = keysInSources();
  t.true(keys.size > 250, `found the keys in the sources (${keys.size})`);
  const missing: string[] = [];
  for (const [key, file] of keys) {
    const [ns, path] = key.includes(':') ? (key.split(':') as [string, string]) : ['translation', key];
    for (const lang of LANGUAGES) {
      const table = tables[lang][ns] as Table | undefined;
      const found = lookUp(table, path) ?? lookUp(table, `${path}_one`);
      if (found === undefined) missing.push(`${key} (${lang}) in ${file}`);
    }
  }
  t.deepEqual(missing, []);
});
