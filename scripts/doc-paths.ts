// The docs name real files (issue 25): every backticked path with a folder in it (`login/flow.ts`,
// `src/db/identities.ts`, `test/federation.test.ts`) must be a file or folder of the repository, as
// written or under src/. Run by `npm run lint`; prints each stale name and fails.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const docs = [
  'README.md',
  ...readdirSync('docs')
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const stale: string[] = [];
for (const doc of docs) {
  const text = readFileSync(doc, 'utf8');
  for (const [, path] of text.matchAll(/`((?:[\w.-]+\/)+[\w.-]+\.(?:ts|eta|json|sql|cjs|md|xsd|yml))`/g)) {
    if (path && !existsSync(path) && !existsSync(`src/${path}`)) stale.push(`${doc}: ${path}`);
  }
}
for (const line of stale) console.error(line);
if (stale.length) {
  console.error(`${stale.length} file name(s) in the docs that are not in the repository`);
  process.exit(1);
}
