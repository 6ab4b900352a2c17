import { readFileSync } from 'node:fs';
import { decodeCsv } from '../../admin/csv.ts';
import { applyRegister, type RegisterMode, registerChanges } from '../../admin/register.ts';
import { guessMapping, readRegister, registerRows } from '../../admin/register-csv.ts';
import { requireTenant } from '../../admin/tenants.ts';
import { loadImageKey } from '../../db/image-crypto.ts';
import { messageOf } from '../../errors.ts';
import { translator } from '../../i18n/index.ts';
import { bool, type CommandGroup, options, s, UsageError } from '../options.ts';
import { keysDir } from './keys.ts';

/**
 * register import: the graduate register from the same CSV file the console takes (columns by their
 * headings), previewed; with --apply and no refused row, written. The console maps other layouts.
 */
export const registerCommands: CommandGroup = {
  async import(args, config) {
    const o = options(args, { tenant: s, file: s, mode: s, apply: bool }, ['tenant', 'file']);
    const mode = (o.str('mode') || 'replace') as RegisterMode;
    if (mode !== 'replace' && mode !== 'extend') throw new UsageError('--mode must be replace or extend');
    await requireTenant(o.str('tenant'));
    loadImageKey(config.imageKey, keysDir(config), config.env !== 'production');
    let bytes: Buffer;
    try {
      bytes = readFileSync(o.str('file'));
    } catch (error) {
      throw new UsageError(`cannot read --file: ${messageOf(error)}`);
    }
    const read = registerRows(decodeCsv(bytes));
    if ('unreadable' in read) throw new UsageError(`--file is not CSV from line ${read.unreadable}`);
    const mapping = guessMapping(read.rows[0] ?? []);
    if (!mapping.studentId || !mapping.nameKanji)
      throw new UsageError('--file needs columns 学籍番号 (student ID) and 氏名 (name)');
    const { records, problems } = readRegister(read.rows, mapping);
    const t = translator('en');
    for (const problem of problems) console.log(`line ${problem.line}: ${t(`console.register.rows.${problem.key}`)}`);
    const changes = await registerChanges(o.str('tenant'), records, mode);
    console.log(`${records.length} graduates read, ${problems.length} rows refused; ${JSON.stringify(changes)}`);
    if (!o.flag('apply')) return console.log('nothing written (add --apply)');
    if (problems.length || records.length === 0) throw new UsageError('not applied: rows were refused');
    await applyRegister(o.str('tenant'), `cli-${Date.now()}`, records, mode);
    console.log(`register of ${o.str('tenant')} written (${mode})`);
  },
};
