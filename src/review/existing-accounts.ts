import { nameCondition } from '../admin/account-search.ts';
import { type Account, findAccounts } from '../db/identities.ts';
import type { Application } from '../db/models/application.ts';
import { kanaKey, kanjiKey } from '../text/likeness.ts';

/** Why an account looks like the applicant's: the same student ID, or the same name and birth date. */
export type Evidence = 'studentId' | 'nameKanjiBirthdate' | 'nameKanaBirthdate';

export interface LikelyAccount {
  account: Account;
  evidence: Evidence[];
}

type Values = Record<string, string | undefined>;

const split = (name: string | undefined) => (name ?? '').trim().split(/[\s\u3000]+/);
const fullName = (name: { family?: string | null; given?: string | null } | null | undefined) =>
  `${name?.family ?? ''} ${name?.given ?? ''}`;

/**
 * Graduate accounts of the university an application may belong to (issue 27 item 3): a new application
 * whose student ID, or names and birth date, an account already has is flagged; a reapplication is
 * offered them as its likely old account, with the evidence.
 */
export async function likelyAccounts(tenantId: string, application: Pick<Application, 'values'>): Promise<LikelyAccount[]> {
  const values = application.values as Values;
  const anyOf: Array<Record<string, unknown>> = [];
  if (values.studentId) anyOf.push({ 'studentIds.number': values.studentId });
  // The same name conditions as the reviewer's search (kanji in any form), each with the birth date.
  for (const [script, name] of [
    ['kanji', values.nameKanji],
    ['kana', values.nameKana],
  ] as const) {
    const [family, given] = split(name);
    if (values.birthdate && family && given) anyOf.push({ birthdate: values.birthdate, ...nameCondition(script, family, given) });
  }
  if (anyOf.length === 0) return [];
  const accounts = await findAccounts(tenantId, anyOf, 10, { kind: 'graduate' });
  return accounts.map((account) => ({ account, evidence: evidenceFor(account, values) }));
}

function evidenceFor(account: Account, values: Values): Evidence[] {
  const evidence: Evidence[] = [];
  if (values.studentId && account.studentIds.some((s) => s.number === values.studentId)) evidence.push('studentId');
  const born = Boolean(values.birthdate) && account.birthdate === values.birthdate;
  if (born && kanjiKey(fullName(account.name?.kanji)) === kanjiKey(values.nameKanji ?? '')) evidence.push('nameKanjiBirthdate');
  if (born && kanaKey(fullName(account.name?.kana)) === kanaKey(values.nameKana ?? '')) evidence.push('nameKanaBirthdate');
  return evidence;
}
