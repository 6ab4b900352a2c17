import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { CatalogueEntry } from '../db/models/tenant.ts';
import { hasControlCharacters } from '../text/control-characters.ts';
import type { RowProblem } from './csv.ts';
import type { CatalogueInput } from './tenants.ts';

/** The catalogue as a CSV file: one row per choosable university / department / subject, ja and en. */
export const CATALOGUE_COLUMNS = [
  'id',
  'university_ja',
  'university_en',
  'department_ja',
  'department_en',
  'subject_ja',
  'subject_en',
] as const;

/** What a catalogue CSV holds: the entries it would make, and each row refused with why. */
export function readCatalogueCsv(text: string): { entries: CatalogueInput[]; problems: RowProblem[] } {
  let records: Record<string, string>[];
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim()),
      skip_empty_lines: true,
      trim: true,
      bom: true,
    });
  } catch (error) {
    return { entries: [], problems: [{ line: Number((error as { lines?: number }).lines ?? 1), key: 'unreadable' }] };
  }
  const header = Object.keys(records[0] ?? {});
  const missing = CATALOGUE_COLUMNS.filter((column) => !header.includes(column));
  if (missing.length) return { entries: [], problems: [{ line: 1, key: 'columns', values: { columns: missing.join(', ') } }] };
  const entries: CatalogueInput[] = [];
  const problems: RowProblem[] = [];
  const seen = new Set<string>();
  for (const [index, row] of records.entries()) {
    const line = index + 2;
    const value = (column: (typeof CATALOGUE_COLUMNS)[number]) => row[column] ?? '';
    const id = value('id');
    const texts = CATALOGUE_COLUMNS.slice(1).map(value);
    const problem = !/^[A-Za-z0-9_-]{1,40}$/.test(id)
      ? 'id'
      : seen.has(id)
        ? 'duplicate'
        : texts.some((text) => !text)
          ? 'empty'
          : texts.some((text) => text.length > 100 || hasControlCharacters(text))
            ? 'text'
            : undefined;
    seen.add(id);
    if (problem) {
      problems.push({ line, key: problem, values: { id } });
      continue;
    }
    entries.push({
      id,
      university: { ja: value('university_ja'), en: value('university_en') },
      department: { ja: value('department_ja'), en: value('department_en') },
      subject: { ja: value('subject_ja'), en: value('subject_en') },
    });
  }
  return { entries, problems };
}

/** The catalogue as CSV (UTF-8 with a BOM, as Excel in Japan opens it), in the columns readCatalogueCsv reads. */
export function catalogueCsv(entries: CatalogueEntry[]): string {
  const rows = entries.map((e) => [
    e._id,
    e.university?.ja,
    e.university?.en,
    e.department?.ja,
    e.department?.en,
    e.subject?.ja,
    e.subject?.en,
  ]);
  return `\uFEFF${stringify(rows, { header: true, columns: [...CATALOGUE_COLUMNS] })}`;
}

/** What applying `next` to the catalogue `current` would change, by id. */
export function catalogueChanges(current: CatalogueEntry[], next: CatalogueInput[]) {
  const before = new Map(current.map((e) => [e._id, e]));
  const same = (a: CatalogueEntry, b: CatalogueInput) =>
    (['university', 'department', 'subject'] as const).every((part) => a[part]?.ja === b[part].ja && a[part]?.en === b[part].en);
  const added = next.filter((e) => !before.has(e.id));
  const changed = next.filter((e) => before.has(e.id) && !same(before.get(e.id) as CatalogueEntry, e));
  const kept = new Set(next.map((e) => e.id));
  const removed = current.filter((e) => !kept.has(e._id));
  return { added, changed, removed };
}
