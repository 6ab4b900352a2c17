// npm run bench:register — a graduate register of GRADUATES rows (5,000 by default) read, previewed and
// applied as the console does it, then applied again over itself, on the embedded database (issue 27).
// Prints, each the median of ROUNDS: reading the CSV, the preview's comparison with the stored register,
// writing it (empty register, then over a full one), and a reviewer's lookups (the entry of a student ID,
// the candidates of a name and birth date).
// Usage: node scripts/with-test-services.ts node bench/register-import.ts [GRADUATES=5000] [ROUNDS=3]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { applyRegister, deleteRegister, registerCandidates, registerChanges, registerEntry } from '../src/admin/register.ts';
import { guessMapping, readRegister, registerRows } from '../src/admin/register-csv.ts';
import { connectDatabase } from '../src/db/connection.ts';
import { loadImageKey } from '../src/db/image-crypto.ts';
import { testDatabaseUri } from '../test/helpers/service.ts';

const [graduates = '5000', roundCount = '3'] = process.argv.slice(2);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const FAMILY = ['山田', '佐藤', '髙橋', '鈴木', '田中', '渡邊', '伊藤', '中村'];
const GIVEN = ['太郎', '花子', '一郎', '次郎', '美咲', '健', '愛', '翔'];

const lines = ['学籍番号,氏名,フリガナ,ローマ字,生年月日,学部,学科,卒業年月日,区分'];
for (let i = 0; i < Number(graduates); i++) {
  const born = `${1970 + (i % 40)}/${1 + (i % 12)}/${1 + (i % 28)}`;
  lines.push(
    `S${String(i).padStart(7, '0')},${FAMILY[i % 8]} ${GIVEN[(i >> 3) % 8]},ヤマダ タロウ,YAMADA Taro,${born},文学部,日本文学科,2015/03/20,卒業`,
  );
}
const text = lines.join('\r\n');

await connectDatabase(testDatabaseUri('bench-register'), 10_000);
loadImageKey(undefined, mkdtempSync(join(tmpdir(), 'cert-idp-keys-')), true);
const time = async (run: () => Promise<unknown> | unknown) => {
  const start = performance.now();
  await run();
  return performance.now() - start;
};
const figures: Record<string, number[]> = {};
const note = (name: string, ms: number) => {
  figures[name] = [...(figures[name] ?? []), ms];
};
for (let round = 1; round <= Number(roundCount); round++) {
  await deleteRegister('bench');
  let records: ReturnType<typeof readRegister>['records'] = [];
  note(
    'read and check the CSV',
    await time(() => {
      const read = registerRows(text);
      if (!('rows' in read)) throw new Error('unreadable');
      records = readRegister(read.rows, guessMapping(read.rows[0] ?? [])).records;
    }),
  );
  note('preview against an empty register', await time(() => registerChanges('bench', records, 'replace')));
  note('apply to an empty register', await time(() => applyRegister('bench', `a${round}`, records, 'replace')));
  note('preview against the full register', await time(() => registerChanges('bench', records, 'replace')));
  note('apply over the full register', await time(() => applyRegister('bench', `b${round}`, records, 'replace')));
  note(
    'entry of a student ID (each)',
    (await time(async () => {
      for (let i = 0; i < 50; i++) await registerEntry('bench', `S${String(i * 97).padStart(7, '0')}`);
    })) / 50,
  );
  note(
    'candidates by name and birth date (each)',
    (await time(async () => {
      for (let i = 0; i < 20; i++)
        await registerCandidates('bench', { birthdate: '1990-01-01', nameKanji: '山田 太郎', nameKana: 'ヤマダ タロウ' });
    })) / 20,
  );
}
console.log(
  `register of ${graduates} graduates, embedded database (FerretDB 1.24 on PostgreSQL), median of ${roundCount} rounds`,
);
for (const [name, values] of Object.entries(figures)) console.log(`  ${name}: ${median(values).toFixed(1)} ms`);
await mongoose.disconnect();
