import { parse } from 'csv-parse/sync';
import { hasControlCharacters } from '../text/control-characters.ts';
import { plainText } from '../text/likeness.ts';
import { typedDay, typedMonth } from '../text/typed-date.ts';
import type { RowProblem } from './csv.ts';

/** What the register knows of one graduate (issue 27 item 1). Dates as YYYY-MM-DD, or YYYY-MM. */
export const REGISTER_FIELDS = [
  'studentId',
  'nameKanji',
  'nameKana',
  'nameRoman',
  'birthdate',
  'faculty',
  'department',
  'subject',
  'enrolledOn',
  'leftOn',
  'leaveKind',
] as const;
export type RegisterField = (typeof REGISTER_FIELDS)[number];
export type RegisterRecord = Record<RegisterField, string>;

/** Which column (or two: family and given name) each field is read from, by the column's index. */
export type ColumnMapping = Partial<Record<RegisterField, number[]>>;

/** Column names as registers are exported, in Japanese and English, compared without width, case or spaces. */
const HEADER_NAMES: Record<RegisterField, string[]> = {
  studentId: ['学籍番号', '学生番号', '学生証番号', 'studentid', 'studentno', 'studentnumber'],
  nameKanji: ['氏名', '氏名漢字', '漢字氏名', '氏名(漢字)', 'name', 'namekanji'],
  nameKana: ['フリガナ', 'ふりがな', '氏名カナ', 'カナ氏名', '氏名(カナ)', 'kana', 'namekana'],
  nameRoman: ['ローマ字', '氏名ローマ字', 'ローマ字氏名', '英字氏名', '氏名(ローマ字)', 'roman', 'nameroman'],
  birthdate: ['生年月日', 'birthdate', 'dateofbirth', 'birthday'],
  faculty: ['学部', '学部名', '研究科', '学部・研究科', 'faculty', 'school'],
  department: ['学科', '学科名', '専攻科', 'department'],
  subject: ['専攻', '専攻名', 'コース', 'subject', 'major', 'course'],
  enrolledOn: ['入学年月日', '入学日', '入学年月', 'enrolled', 'enrolledon', 'admission'],
  leftOn: [
    '卒業年月日',
    '卒業日',
    '卒業年月',
    '卒業・退学年月日',
    '異動年月日',
    '除籍年月日',
    'left',
    'lefton',
    'graduation',
    'graduated',
  ],
  leaveKind: ['区分', '卒業区分', '異動区分', '学籍区分', '卒業・退学区分', 'kind', 'leavekind', 'status'],
};
/** Names split in two columns: family and given. */
const NAME_PAIRS: Array<[RegisterField, string[], string[]]> = [
  ['nameKanji', ['姓', '氏', '姓(漢字)'], ['名', '名(漢字)']],
  ['nameKana', ['セイ', 'せい', '姓(カナ)'], ['メイ', 'めい', '名(カナ)']],
  ['nameRoman', ['familyname', 'lastname', 'surname'], ['givenname', 'firstname']],
];
const headerKey = (name: string) =>
  plainText(name)
    .toLowerCase()
    .replace(/[\s_-]/g, '');

/** The mapping read from the header row; fields it cannot find are left out (the staff member maps them). */
export function guessMapping(header: string[]): ColumnMapping {
  const keys = header.map(headerKey);
  const find = (names: string[]) => {
    const wanted = new Set(names.map(headerKey));
    return keys.findIndex((key) => wanted.has(key));
  };
  const mapping: ColumnMapping = {};
  for (const field of REGISTER_FIELDS) {
    const column = find(HEADER_NAMES[field]);
    if (column >= 0) mapping[field] = [column];
  }
  for (const [field, family, given] of NAME_PAIRS) {
    const [a, b] = [find(family), find(given)];
    if (!mapping[field] && a >= 0 && b >= 0) mapping[field] = [a, b];
  }
  return mapping;
}

/** The rows of a register file, header first; or where it stops being CSV. */
export function registerRows(text: string): { rows: string[][] } | { unreadable: number } {
  try {
    const rows = parse(text, { skip_empty_lines: true, trim: true, bom: true, relax_column_count: true }) as string[][];
    return { rows };
  } catch (error) {
    return { unreadable: Number((error as { lines?: number }).lines ?? 1) };
  }
}

const LEAVE_KINDS: Record<string, string> = {
  卒業: 'graduated',
  修了: 'graduated',
  graduated: 'graduated',
  退学: 'withdrawn',
  中退: 'withdrawn',
  withdrawn: 'withdrawn',
  除籍: 'expelled',
  expelled: 'expelled',
};

/** One field as the register keeps it, or the message id of why the value cannot be taken. */
function registerValue(field: RegisterField, raw: string): { value: string } | { problem: string } {
  const value = plainText(raw);
  if (value.length > 100 || hasControlCharacters(value)) return { problem: 'text' };
  if (!value) return field === 'studentId' || field === 'nameKanji' ? { problem: `${field}Missing` } : { value };
  switch (field) {
    case 'studentId':
      return /^[A-Za-z0-9-]{1,32}$/.test(value) ? { value: value.toUpperCase() } : { problem: 'studentId' };
    case 'birthdate': {
      const day = typedDay(value);
      return day ? { value: day } : { problem: 'birthdate' };
    }
    case 'enrolledOn':
    case 'leftOn': {
      const date = typedDay(value) ?? typedMonth(value);
      return date ? { value: date } : { problem: 'date' };
    }
    case 'leaveKind': {
      const kind = LEAVE_KINDS[value.toLowerCase()];
      return kind ? { value: kind } : { problem: 'leaveKind' };
    }
    default:
      return { value };
  }
}

/** The records a register file holds under a mapping, and every row refused with its line and why. */
export function readRegister(rows: string[][], mapping: ColumnMapping): { records: RegisterRecord[]; problems: RowProblem[] } {
  const records: RegisterRecord[] = [];
  const problems: RowProblem[] = [];
  const seen = new Set<string>();
  for (const [index, row] of rows.slice(1).entries()) {
    const line = index + 2;
    const record = {} as RegisterRecord;
    let problem: string | undefined;
    for (const field of REGISTER_FIELDS) {
      const raw = (mapping[field] ?? []).map((column) => row[column] ?? '').join(' ');
      const read = registerValue(field, raw);
      if ('problem' in read) {
        problem ??= read.problem;
        continue;
      }
      record[field] = read.value;
    }
    if (!problem && seen.has(record.studentId)) problem = 'duplicate';
    if (problem) {
      problems.push({ line, key: problem, values: { studentId: plainText(row[mapping.studentId?.[0] ?? -1] ?? '') } });
      continue;
    }
    seen.add(record.studentId);
    records.push(record);
  }
  return { records, problems };
}
