// npm run bench:federation: federation metadata refreshes on this machine (docs/federation.md), a
// process of their own each, in a database of their own; prints a table and writes
// bench/results-federation.md. Apart from `npm run bench`: with its service running beside them on
// the same embedded FerretDB, the refreshes twice left FerretDB not answering (notes of issue 17).
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { federationFigures } from './federation.ts';

const uri = new URL(process.env.MONGODB_URI ?? (process.env.TEST_MONGODB_URI as string));
uri.pathname = `/bench-federation-${Date.now().toString(36)}`;
const rounds = Number(process.env.BENCH_FEDERATION_ROUNDS ?? 3);
const rows = [
  ...(await federationFigures(uri.href, 1_000, rounds, 384)),
  ...(await federationFigures(uri.href, 5_000, rounds, 384)),
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
const database = process.env.MONGODB_URI ? 'MongoDB at MONGODB_URI' : 'the embedded database (FerretDB 1.24 on PostgreSQL)';
writeFileSync(
  new URL('./results-federation.md', import.meta.url),
  [
    '# Federation metadata refresh figures',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:federation\` on this machine (${availableParallelism()} cores), against ${database}.`,
    `Each figure is the median of ${rounds} rounds; each refresh runs in a process of its own (its peak resident memory is the refresh's).`,
    '',
    '| measure | value |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
  ].join('\n'),
);
