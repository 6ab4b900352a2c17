import { registerCandidates, registerEntry } from '../admin/register.ts';
import type { RegisterField, RegisterRecord } from '../admin/register-csv.ts';
import { type Application, ApplicationModel } from '../db/models/application.ts';
import type { CatalogueEntry, Tenant } from '../db/models/tenant.ts';
import { comparisonKey, differences, type Likeness, likeness, type TextKind } from '../text/likeness.ts';

/** One item of an application beside the register's value (issue 27 item 2); `missing`: the register has none. */
export interface ItemMatch {
  item: string;
  typed: string;
  register: string;
  likeness: Likeness | 'missing';
  parts: Array<{ text: string; differs: boolean }>;
}

/**
 * match: every item the register knows matches; close: none differs but some are written otherwise;
 * differs: at least one differs; notFound: the register has no graduate of this student ID.
 */
export type MatchSummary = 'match' | 'close' | 'differs' | 'notFound';

export interface RegisterMatch {
  summary: MatchSummary;
  entry: RegisterRecord | null;
  items: ItemMatch[];
  /** When the student ID is not found or some item differs: graduates of the same name or birth date. */
  candidates: Array<{ record: RegisterRecord; items: ItemMatch[] }>;
}

type Values = Record<string, string | undefined>;

/** The application's items as the register words them: the catalogue entry as faculty, department and subject. */
export const SCHOOL_NAMES: Record<string, string> = {
  nameKanji: 'schoolNameKanji',
  nameKana: 'schoolNameKana',
  nameRoman: 'schoolNameRoman',
};

function typedItems(tenant: Tenant, values: Values): Partial<Record<RegisterField, string>> {
  const entry = (tenant.catalogue as CatalogueEntry[]).find((e) => e._id === values.catalogue);
  // The register knows the name a graduate had at the university: the name at school where given.
  return {
    studentId: values.studentId,
    nameKanji: values.schoolNameKanji || values.nameKanji,
    nameKana: values.schoolNameKana || values.nameKana,
    nameRoman: values.schoolNameRoman || values.nameRoman,
    birthdate: values.birthdate,
    department: entry ? [entry.department?.ja, entry.subject?.ja].filter(Boolean).join(' ') : undefined,
    leftOn: values.graduation,
    leaveKind: values.graduationType,
  };
}

const KINDS: Partial<Record<RegisterField, TextKind>> = {
  nameKanji: 'kanji',
  nameKana: 'kana',
  nameRoman: 'roman',
  birthdate: 'date',
};

/** Compares what the register says with what was typed, for each item typed (an empty item is left out). */
function compare(typed: Partial<Record<RegisterField, string>>, record: RegisterRecord): ItemMatch[] {
  const items: ItemMatch[] = [];
  for (const [item, value] of Object.entries(typed) as Array<[RegisterField, string | undefined]>) {
    if (!value) continue;
    const register = registerValue(item, record);
    const judged: ItemMatch['likeness'] = !register ? 'missing' : judge(item, value, register);
    items.push({
      item,
      typed: value,
      register,
      likeness: judged,
      parts: judged === 'missing' ? [] : differences(value, register),
    });
  }
  return items;
}

/** The register's value for an item: the faculty, department and subject read as one; a graduation month of its date. */
function registerValue(item: RegisterField, record: RegisterRecord): string {
  if (item === 'department') return [record.faculty, record.department, record.subject].filter(Boolean).join(' ');
  if (item === 'leftOn') return (record.leftOn ?? '').slice(0, 7);
  return record[item] ?? '';
}

function judge(item: RegisterField, typed: string, register: string): Likeness {
  if (item === 'department') {
    // The catalogue may name less than the register (no faculty): contained counts as close.
    const [a, b] = [comparisonKey('text', typed), comparisonKey('text', register)];
    return a === b ? 'match' : b.includes(a) || a.includes(b) ? 'close' : likeness('text', typed, register);
  }
  if (item === 'leftOn' || item === 'leaveKind') return typed === register ? 'match' : 'differs';
  return likeness(KINDS[item] ?? 'text', typed, register);
}

function summarise(items: ItemMatch[]): Exclude<MatchSummary, 'notFound'> {
  if (items.some((i) => i.likeness === 'differs')) return 'differs';
  return items.some((i) => i.likeness === 'close') ? 'close' : 'match';
}

const score = (items: ItemMatch[]) =>
  items.reduce((sum, i) => sum + (i.likeness === 'match' ? 2 : i.likeness === 'close' ? 1 : 0), 0);

/** How an application (or an additional student ID) compares with the register; null when the university has none. */
export async function matchRegister(
  tenant: Tenant,
  application: Pick<Application, 'values'>,
  withCandidates = true,
): Promise<RegisterMatch | null> {
  if (!tenant.registerUpdatedAt) return null;
  const values = application.values as Values;
  const typed = typedItems(tenant, values);
  const entry = await registerEntry(tenant._id, values.studentId ?? '');
  const items = entry ? compare(typed, entry) : [];
  const summary: MatchSummary = entry ? summarise(items) : 'notFound';
  const candidates =
    withCandidates && (summary === 'notFound' || summary === 'differs')
      ? (await registerCandidates(tenant._id, typed))
          .filter((record) => record.studentId !== entry?.studentId)
          .map((record) => ({ record, items: compare(typed, record) }))
          .sort((a, b) => score(b.items) - score(a.items))
          .slice(0, 5)
      : [];
  return { summary, entry, items, candidates };
}

/**
 * The summary the queue filters by, computed again when the register changed since (or never was);
 * stored on the application so the queue reads it without the register.
 */
export async function currentSummary(tenant: Tenant, application: Application): Promise<MatchSummary | undefined> {
  if (!tenant.registerUpdatedAt) return undefined;
  const stored = application.registerMatch;
  if (stored?.summary && stored.at && stored.at >= tenant.registerUpdatedAt) return stored.summary as MatchSummary;
  const match = await matchRegister(tenant, application, false);
  if (!match) return undefined;
  const registerMatch = { summary: match.summary, at: new Date() };
  await ApplicationModel.updateOne({ _id: application._id }, { $set: { registerMatch } });
  return match.summary;
}
