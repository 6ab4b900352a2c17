// The docs name real files (issue 25): every backticked path with a folder in it (`login/flow.ts`,
// `src/db/identities.ts`, `test/federation.test.ts`) must be a file or folder in git, as written or
// under src/ — or one the service makes at run time (a path .gitignore names, such as keys/).
// Run by `npm run lint`; prints each stale name and fails.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const git = (...args: string[]) => spawnSync('git', args, { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
const tracked = new Set(git('ls-files'));
const folders = new Set(
  [...tracked].flatMap((file) =>
    file
      .split('/')
      .slice(0, -1)
      .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
  ),
);
const known = (path: string) => [path, `src/${path}`].some((candidate) => tracked.has(candidate) || folders.has(candidate));

const docs = [
  'README.md',
  ...readdirSync('docs')
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const named: Array<{ doc: string; path: string }> = [];
for (const doc of docs) {
  const text = readFileSync(doc, 'utf8');
  for (const [, path] of text.matchAll(/`((?:[\w.-]+\/)+[\w.-]+\.(?:ts|eta|json|sql|cjs|md|xsd|yml))`/g)) {
    if (path && !known(path)) named.push({ doc, path });
  }
}
const madeAtRunTime = new Set(named.length ? git('check-ignore', '--no-index', ...named.map((n) => n.path)) : []);
const stale = named.filter(({ path }) => !madeAtRunTime.has(path)).map(({ doc, path }) => `${doc}: ${path}`);
for (const line of stale) console.error(line);
if (stale.length) {
  console.error(`${stale.length} file name(s) in the docs that are not in the repository`);
  process.exit(1);
}
