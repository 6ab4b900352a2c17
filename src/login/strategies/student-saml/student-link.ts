import mongoose from 'mongoose';
import { type Account, AccountModel, isDuplicateKey } from '../../../db/models/account.ts';
import { type SamlIdp, SamlLinkModel } from '../../../db/models/saml.ts';
import type { VerifiedAssertion } from '../../../saml/login-response.ts';

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

/** Reads the mapped attributes; undefined when the subject or the student ID is missing. */
export function studentProfile(assertion: VerifiedAssertion): StudentProfile | undefined {
  const { mapping } = assertion.idp;
  const values = (name: string | null | undefined) =>
    !name ? [] : name === 'nameid' ? [assertion.nameId] : (assertion.attributes[name] ?? []);
  const one = (name: string | null | undefined) => values(name)[0] ?? '';
  const profile = {
    subject: one(mapping?.subject ?? 'nameid'),
    studentId: one(mapping?.studentId),
    familyName: one(mapping?.familyName),
    givenName: one(mapping?.givenName),
    familyNameRoman: one(mapping?.familyNameRoman),
    givenNameRoman: one(mapping?.givenNameRoman),
    email: one(mapping?.email),
    affiliations: values(mapping?.affiliation),
  };
  return profile.subject && profile.studentId ? profile : undefined;
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
    const existing = await AccountModel.findById(link.accountId).lean<Account>();
    if (existing) {
      const $set = { ...names(profile), studentIds: refreshedIds(existing, profile, university), samlSession };
      return (await AccountModel.findByIdAndUpdate(
        existing._id,
        { $set },
        { returnDocument: 'after' },
      ).lean<Account>()) as Account;
    }
    await SamlLinkModel.deleteOne({ _id: linkId });
  }
  const _id = new mongoose.Types.ObjectId();
  const created = await AccountModel.create({
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
    await AccountModel.deleteOne({ _id });
    if (!isDuplicateKey(error)) throw error;
    return linkStudent(idp, profile, university, samlSession);
  }
  return created.toObject() as Account;
}
