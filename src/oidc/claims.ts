import type { Account } from '../db/identities.ts';

type Name = { family?: string | null; given?: string | null } | null | undefined;

const full = (name: Name) => [name?.family, name?.given].filter(Boolean).join(' ');

/** Which claims each scope releases; discovery advertises them as claims_supported. */
export const SCOPE_CLAIMS = {
  // How and when the person authenticated travels with every ID token.
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  email: ['email', 'email_verified'],
  profile: [
    'name',
    'family_name',
    'given_name',
    'name#ja-Kana-JP',
    'family_name#ja-Kana-JP',
    'given_name#ja-Kana-JP',
    'name#ja-Latn-JP',
    'family_name#ja-Latn-JP',
    'given_name#ja-Latn-JP',
    'birthdate',
    'gender',
    'locale',
  ],
  university: ['tenant', 'account_kind', 'student_ids', 'previous_login_at'],
} as const;

function scriptClaims(suffix: string, name: Name): Record<string, string | undefined> {
  return {
    [`name${suffix}`]: full(name) || undefined,
    [`family_name${suffix}`]: name?.family || undefined,
    [`given_name${suffix}`]: name?.given || undefined,
  };
}

/** The object without its empty members: no claim is sent empty or null (OpenID Connect Core 5.3.2). */
function withoutEmpty<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== '' && value != null)) as Partial<T>;
}

type StudentId = Account['studentIds'][number];

/**
 * One student ID as relying parties read it. The university's name comes in both languages with the
 * language tags of OpenID Connect Core 5.2 (`university#ja`, `university#en`, and `university` in
 * Japanese, the default), from the ID itself or else the university's own names, so an English page
 * never shows a Japanese name for a student whose ID came without one; department and subject
 * where known.
 */
function studentIdClaims(id: StudentId, universityName?: { ja?: string; en?: string }) {
  const ja = id.university || universityName?.ja || '';
  return withoutEmpty({
    number: id.number,
    university: ja,
    'university#ja': ja,
    'university#en': id.en?.university || universityName?.en || ja,
    department: id.department,
    'department#en': id.en?.department,
    subject: id.subject,
    'subject#en': id.en?.subject,
    graduation: id.graduation,
    status: id.status,
  });
}

/**
 * Every claim of an account; oidc-provider releases the subset the granted scopes allow. A claim
 * with no value is left out, not sent empty or null (OpenID Connect Core 5.3.2). `universityName`:
 * the names of the account's university, for student IDs that came without them.
 */
export function accountClaims(account: Account, universityName?: { ja?: string; en?: string }): Record<string, unknown> {
  return {
    sub: account._id.toString(),
    email: account.email,
    email_verified: account.emailVerified,
    ...scriptClaims('', account.name?.kanji),
    ...scriptClaims('#ja-Kana-JP', account.name?.kana),
    ...scriptClaims('#ja-Latn-JP', account.name?.roman),
    birthdate: account.birthdate || undefined,
    gender: account.sex || undefined,
    locale: account.locale,
    tenant: account.tenantId,
    account_kind: account.kind,
    student_ids: account.studentIds.map((id) => studentIdClaims(id, universityName)),
    previous_login_at: account.previousLoginAt ? Math.floor(account.previousLoginAt.getTime() / 1000) : undefined,
  };
}
