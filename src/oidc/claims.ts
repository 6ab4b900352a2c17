import type { Account } from '../db/models/account.ts';

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

/**
 * Every claim of an account; oidc-provider releases the subset the granted scopes allow. A claim
 * with no value is left out, not sent empty or null (OpenID Connect Core 5.3.2).
 */
export function accountClaims(account: Account): Record<string, unknown> {
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
    student_ids: account.studentIds.map((id) => ({
      number: id.number,
      university: id.university,
      department: id.department,
      subject: id.subject,
      // English names with the language tag of OpenID Connect Core 5.2, where the catalogue has them.
      'university#en': id.en?.university || undefined,
      'department#en': id.en?.department || undefined,
      'subject#en': id.en?.subject || undefined,
      graduation: id.graduation,
      status: id.status,
    })),
    previous_login_at: account.previousLoginAt ? Math.floor(account.previousLoginAt.getTime() / 1000) : undefined,
  };
}
