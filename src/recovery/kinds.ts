import type { Context } from 'koa';
import { passwordRulesOf } from '../credentials/password-policy.ts';
import {
  newPasswordErrors,
  newSecondPasswordErrors,
  setGraduatePasswords,
  setSecondPassword,
} from '../credentials/password-setting.ts';
import type { Account } from '../db/identities.ts';
import { newPasswordsFromForm, newSecondPasswordFromForm } from '../http/form.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { type FieldErrors, message } from '../i18n/index.ts';
import type { SecretHasher } from '../security/secrets.ts';

/** What differs between the graduate's password reset and the student's second password reset. */
export interface ResetKind {
  path: string;
  purpose: 'password-reset' | 'second-password-reset';
  accountKind: 'graduate' | 'student';
  template: string;
  requestText: { titleKey: string; introKey: string; sentKey: string; doneKey: string };
  /** Audit events: the reset asked for, the reset done. */
  events: { requested: string; done: string };
  showSet: (ctx: Context, action: string, extra: Record<string, unknown>, status: number) => void;
  /** Checks the posted form against the account; returns field errors, or the change to store. */
  check: (ctx: Context, hasher: SecretHasher, account: Account) => Promise<{ errors: FieldErrors; apply: () => Promise<void> }>;
}

/** A reset's second password must differ from the one forgotten (it may have been guessed or leaked). */
async function differsFromOld(hasher: SecretHasher, hash: string | null | undefined, value: string, errors: FieldErrors) {
  if (!errors.secondPassword && (await hasher.verify(hash, value))) errors.secondPassword = message('reset.sameAsOldSecond');
}

/**
 * Requirement G4 (f): "If you have forgotten your password" → mail address → the same answer whether or not
 * it is registered → one-time URL (30 minutes) → password and second password, each twice, both
 * different from the old ones → set → log in. Every session of the account ends.
 */
export const GRADUATE_RESET: ResetKind = {
  path: 'password-reset',
  purpose: 'password-reset',
  accountKind: 'graduate',
  template: 'passwordReset',
  requestText: { titleKey: 'reset.title', introKey: 'reset.intro', sentKey: 'reset.sent', doneKey: 'reset.done' },
  events: { requested: 'account.reset_requested', done: 'account.reset' },
  showSet: (ctx, action, extra, status) => render(ctx, 'reset-set', { action, errors: {}, ...extra }, status),
  async check(ctx, hasher, account) {
    const input = newPasswordsFromForm(ctx);
    const errors = await newPasswordErrors(hasher, input, account.passwordHash, passwordRulesOf(tenantOf(ctx), account.email));
    await differsFromOld(hasher, account.secondPasswordHash, input.secondPassword, errors);
    return { errors, apply: () => setGraduatePasswords(hasher, account._id.toString(), input.password, input.secondPassword) };
  },
};

/** Requirement S3: a student's "If you have forgotten your second password", the same way, for that one secret. */
export const STUDENT_SECOND_PASSWORD_RESET: ResetKind = {
  path: 'second-password-reset',
  purpose: 'second-password-reset',
  accountKind: 'student',
  template: 'secondPasswordReset',
  requestText: {
    titleKey: 'student.second.resetTitle',
    introKey: 'student.second.resetIntro',
    sentKey: 'student.second.resetSent',
    doneKey: 'student.second.resetDone',
  },
  events: { requested: 'account.second_password_reset_requested', done: 'account.second_password_reset' },
  showSet: (ctx, action, extra, status) =>
    render(ctx, 'student-second-password-set', { action, differentRule: true, errors: {}, ...extra }, status),
  async check(ctx, hasher, account) {
    const input = newSecondPasswordFromForm(ctx);
    const errors = await newSecondPasswordErrors(input, passwordRulesOf(tenantOf(ctx), account.email));
    await differsFromOld(hasher, account.secondPasswordHash, input.secondPassword, errors);
    return { errors, apply: () => setSecondPassword(hasher, account._id, input.secondPassword) };
  },
};
