import mongoose from 'mongoose';
import { isDuplicateKey } from '../../../db/duplicate-key.ts';
import { type Account, createAccount, deleteAccount, findAccount, updateAndRead } from '../../../db/identities.ts';
import { type SamlIdp, SamlLinkModel } from '../../../db/models/saml.ts';
import { inScope, isScoped } from '../../../saml/attributes.ts';
import type { VerifiedAssertion } from '../../../saml/login-response.ts';
import { hasControlCharacters } from '../../../text/control-characters.ts';

/** A student's identity as the university's IdP states it, through the IdP's attribute mapping. */
export interface StudentProfile {
  subject: string;
  studentId: string;
  familyName: string;
  givenName: string;
  familyNameRoman: string;
  givenNameRoman: string;
  email: string;
  affiliations: string[];
}

/** What the assertion says under one mapping entry: the first of its names that has a value. */
function mapped(assertion: VerifiedAssertion, spec: string | null | undefined): { name: string; values: string[] } {
  for (const name of (spec ?? '').split(/[\s,]+/).filter(Boolean)) {
    const values = name === 'nameid' ? [assertion.nameId].filter(Boolean) : (assertion.attributes[name] ?? []);
    if (values.length) return { name, values };
  }
  return { name: '', values: [] };
}

export type ProfileReading = { profile: StudentProfile } | { refusal: 'attributes' | 'scope' | 'characters'; detail: string };

/**
 * Reads the mapped attributes. Refused when the subject or the student ID is missing, when a value
 * carries a control character (NUL and the like), or when a scoped value (eduPersonPrincipalName, subject-id, pairwise-id, scoped affiliation) names a scope
 * the IdP's metadata does not declare: an IdP vouches only for its own domain.
 */
export function studentProfile(assertion: VerifiedAssertion): ProfileReading {
  const { idp } = assertion;
  const mapping = idp.mapping ?? {};
  const items = {
    subject: mapped(assertion, mapping.subject ?? 'nameid'),
    studentId: mapped(assertion, mapping.studentId),
    familyName: mapped(assertion, mapping.familyName),
    givenName: mapped(assertion, mapping.givenName),
    familyNameRoman: mapped(assertion, mapping.familyNameRoman),
    givenNameRoman: mapped(assertion, mapping.givenNameRoman),
    email: mapped(assertion, mapping.email),
    affiliation: mapped(assertion, mapping.affiliation),
  };
  for (const { name, values } of Object.values(items)) {
    // Requirement X3.3: what an IdP sends is text entering like any form's.
    if (values.some(hasControlCharacters)) return { refusal: 'characters', detail: `${name} carries a control character` };
    const outside = isScoped(name) ? values.find((value) => !inScope(value, idp)) : undefined;
    if (outside !== undefined) return { refusal: 'scope', detail: `${name} ${outside} is outside the scopes of ${idp.entityId}` };
  }
  const one = (item: { values: string[] }) => item.values[0] ?? '';
  const profile = {
    subject: one(items.subject),
    studentId: one(items.studentId),
    familyName: one(items.familyName),
    givenName: one(items.givenName),
    familyNameRoman: one(items.familyNameRoman),
    givenNameRoman: one(items.givenNameRoman),
    email: one(items.email),
    // A scoped affiliation (student@univ.ac.jp) counts as its value before the scope.
    affiliations: items.affiliation.values.map((value) => (isScoped(items.affiliation.name) ? value.split('@')[0] : value) ?? ''),
  };
  if (!profile.subject || !profile.studentId) {
    return { refusal: 'attributes', detail: `subject or student ID attribute missing from ${idp._id}` };
  }
  return { profile };
}

/** True when the IdP's allowed affiliations (if any) include one of the person's. */
export function affiliationAllowed(idp: SamlIdp, profile: StudentProfile): boolean {
  return !idp.allowedAffiliations?.length || profile.affiliations.some((a) => idp.allowedAffiliations.includes(a));
}

/**
 * Until the student registers a contact address (S2) the account holds a unique address under the
 * reserved .invalid domain (RFC 2606): never deliverable, never typed, and the unique (tenant, mail)
 * index stays a plain one that MongoDB and FerretDB both keep.
 */
export function unregisteredAddress(accountId: string): string {
  return `unregistered-${accountId}@student.invalid`;
}

/** The student ID from the assertion leads the list; IDs added from the account pages stay. */
function refreshedIds(account: Pick<Account, 'studentIds'> | undefined, profile: StudentProfile, university: string) {
  const others = (account?.studentIds ?? []).filter((id) => id.number !== profile.studentId);
  const current = account?.studentIds.find((id) => id.number === profile.studentId);
  return [
    { ...(current ?? {}), number: profile.studentId, university: current?.university || university, status: 'enrolled' },
    ...others,
  ];
}

const names = (profile: StudentProfile) => ({
  'name.kanji.family': profile.familyName,
  'name.kanji.given': profile.givenName,
  'name.roman.family': profile.familyNameRoman,
  'name.roman.given': profile.givenNameRoman,
});

/**
 * The first login of (tenant, IdP, subject) creates the student account and its link; later ones
 * find it and refresh the names and the student ID from the assertion. Either way the account
 * keeps this sign-in (`samlSession`) for single logout. Two first logins racing each
 * other end with one account: the link's key is unique and the loser's account is removed.
 */
export async function linkStudent(
  idp: SamlIdp,
  profile: StudentProfile,
  university: string,
  samlSession: NonNullable<Account['samlSession']>,
): Promise<Account> {
  const linkId = `${idp.tenantId}|${idp.slug}|${profile.subject}`;
  const link = await SamlLinkModel.findById(linkId).lean();
  if (link) {
    const existing = await findAccount(link.accountId);
    if (existing) {
      const $set = { ...names(profile), studentIds: refreshedIds(existing, profile, university), samlSession };
      return (await updateAndRead(existing._id, { $set })) as Account;
    }
    await SamlLinkModel.deleteOne({ _id: linkId });
  }
  const _id = new mongoose.Types.ObjectId();
  const created = await createAccount({
    _id,
    tenantId: idp.tenantId,
    kind: 'student',
    email: unregisteredAddress(_id.toString()),
    emailVerified: false,
    name: {
      kanji: { family: profile.familyName, given: profile.givenName },
      roman: { family: profile.familyNameRoman, given: profile.givenNameRoman },
    },
    studentIds: refreshedIds(undefined, profile, university),
    samlSession,
  });
  try {
    await SamlLinkModel.create({ _id: linkId, accountId: _id.toString() });
  } catch (error) {
    await deleteAccount(_id);
    if (!isDuplicateKey(error)) throw error;
    return linkStudent(idp, profile, university, samlSession);
  }
  return created.toObject() as Account;
}
