import { createGraduate, hashGraduateSecrets, parseName } from '../admin/accounts.ts';
import { AddressTaken } from '../admin/errors.ts';
import type { Config } from '../config/schema.ts';
import { generatePassword } from '../credentials/password-policy.ts';
import { audit } from '../db/audit.ts';
import { claimOnce } from '../db/claim.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import { changeAddress, findAccount, STUDENT_ID_STATUSES, updateAccount } from '../db/identities.ts';
import { type Application, ApplicationModel } from '../db/models/application.ts';
import { ClaimModel } from '../db/models/claim.ts';
import type { Staff } from '../db/models/staff.ts';
import type { Tenant } from '../db/models/tenant.ts';
import { ServiceError } from '../errors.ts';
import { CONTACT_FIELDS } from '../http/form-items.ts';
import { tenantLoginUrl } from '../http/tenant.ts';
import type { Lang } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import { noticeValues } from '../mail/notices.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { reviewDecisionSeconds } from '../metrics.ts';
import { issueToken } from '../security/one-time-token.ts';
import type { SecretHasher } from '../security/secrets.ts';

export type Action = 'approve' | 'reject' | 'resubmit';
export type DecisionError = 'notPending' | 'reasonRequired' | 'accountRequired' | 'emailTaken' | 'resubmitNotOffered';

export interface DecisionInput {
  action: Action;
  reason: string;
  /** For a reapplication: the existing account it belongs to. */
  accountId?: string;
}

interface Deps {
  config: Config;
  hasher: SecretHasher;
  logger: Logger;
}

function optionalName(value: string | undefined) {
  return value ? parseName(value, 'name') : undefined;
}

/** The first student ID of the account, from the application's school items. */
function studentIdFrom(tenant: Tenant, values: Record<string, string>) {
  const entry = (tenant.catalogue ?? []).find((e) => e._id === values.catalogue);
  const status = (STUDENT_ID_STATUSES as readonly string[]).includes(values.graduationType ?? '')
    ? values.graduationType
    : 'graduated';
  return {
    number: values.studentId ?? '',
    university: entry?.university?.ja ?? '',
    department: entry?.department?.ja ?? '',
    subject: entry?.subject?.ja ?? '',
    en: { university: entry?.university?.en ?? '', department: entry?.department?.en ?? '', subject: entry?.subject?.en ?? '' },
    graduation: values.graduation ?? '',
    status: status as (typeof STUDENT_ID_STATUSES)[number],
  };
}

/** Why an approval could not be carried out, as the reviewer is told it beside the decision. */
class ApprovalRefused extends ServiceError {
  readonly reason: 'accountRequired' | 'emailTaken';
  constructor(reason: 'accountRequired' | 'emailTaken') {
    super(409, `review.${reason}`);
    this.reason = reason;
  }
}

/** Creates the account of a new applicant, or moves an existing account to the new address. */
async function approve(
  deps: Deps,
  tenant: Tenant,
  application: Application,
  accountId: string | undefined,
  initialPassword: string,
) {
  const values = application.values as Record<string, string>;
  const secrets = { initialPassword, validDays: tenant.initialPasswordDays ?? 30 };
  if (application.type === 'new') {
    return createGraduate(deps.hasher, {
      tenantId: tenant._id,
      email: application.email,
      ...secrets,
      name: {
        kanji: parseName(values.nameKanji ?? '', 'name'),
        kana: optionalName(values.nameKana),
        roman: optionalName(values.nameRoman),
      },
      birthdate: values.birthdate || undefined,
      sex: (values.sex as 'male' | 'female' | 'other' | undefined) ?? '',
      locale: application.lang as Lang,
      studentIds: [studentIdFrom(tenant, values)],
      contact: Object.fromEntries(CONTACT_FIELDS.map((name) => [name, values[name] ?? ''])),
    });
  }
  const stored = await hashGraduateSecrets(deps.hasher, secrets);
  if (!accountId) throw new ApprovalRefused('accountRequired');
  try {
    const matched = await changeAddress({ _id: accountId, tenantId: tenant._id, kind: 'graduate' }, application.email, {
      emailVerified: true,
      ...stored,
    });
    if (!matched) throw new ApprovalRefused('accountRequired');
  } catch (error) {
    if (isDuplicateKey(error)) throw new ApprovalRefused('emailTaken');
    throw error;
  }
  return accountId;
}

/** One decision being carried out: the application, the staff's input and its trimmed reason. */
interface Decision {
  deps: Deps;
  tenant: Tenant;
  application: Application;
  input: DecisionInput;
  reason: string;
  lang: Lang;
  /** The claim that made this decision the one that wins; released when approval fails. */
  claim: string;
  /** Until when the applicant's mail is held so the deciding reviewer may undo (undefined: mailed at once). */
  heldUntil?: Date;
}

/** What a decision did; `mailId` is the applicant's mail, held when the decision may still be undone. */
type Outcome = { status: Application['status']; accountId?: string; mailId?: string } | { error: DecisionError };

/**
 * A decision the reviewer may undo while its mail is held (src/review/undo.ts): a rejection, a request
 * for resubmission, the approval of a new applicant. A reapplication's approval changes an account
 * that already existed, and an added student ID an account in use: those are mailed at once.
 */
export const undoable = (application: Pick<Application, 'type'>, action: Action) =>
  action !== 'approve' || application.type === 'new';

const mailApplicant = (d: Decision, template: string, values: Record<string, string>): Promise<string> =>
  enqueueMail({ tenantId: d.tenant._id, to: d.application.email, lang: d.lang, template, values, notBefore: d.heldUntil });

/** An additional student ID: added to the account on approval; the applicant is told either way. */
async function decideStudentId(d: Decision): Promise<Outcome> {
  const values = d.application.values as Record<string, string>;
  const approved = d.input.action === 'approve';
  const accountId = approved ? (d.application.accountId ?? undefined) : undefined;
  if (approved) {
    await updateAccount(
      accountId as string,
      { $push: { studentIds: studentIdFrom(d.tenant, values) } },
      { tenantId: d.tenant._id },
    );
  }
  // An added student ID is a change to the account: told like the others, with when and what to do (issue 23, item 5).
  const account = accountId ? await findAccount(accountId) : null;
  const mailId = await mailApplicant(d, approved ? 'studentIdAdded' : 'studentIdRejected', {
    number: values.studentId ?? '',
    reason: d.reason,
    ...noticeValues({ tenantId: d.tenant._id, kind: account?.kind ?? 'graduate' }, d.deps.config.issuer, d.lang),
  });
  return { status: approved ? 'approved' : 'rejected', accountId, mailId };
}

/** A graduate approved: the account created (or, for a reapplication, found) with an initial password mailed. */
async function approveGraduate(d: Decision): Promise<Outcome> {
  const initialPassword = generatePassword();
  let accountId: string;
  try {
    accountId = await approve(d.deps, d.tenant, d.application, d.input.accountId, initialPassword);
  } catch (error) {
    await ClaimModel.deleteOne({ _id: d.claim });
    if (error instanceof ApprovalRefused) return { error: error.reason };
    // A new applicant's address taken by another account meanwhile.
    if (error instanceof AddressTaken) return { error: 'emailTaken' };
    throw error;
  }
  // A reapplication keeps its account: its mail says so, and that the old passwords are gone.
  const template = d.application.type === 'reapplication' ? 'approvedReapplication' : 'approved';
  const mailId = await mailApplicant(d, template, {
    password: initialPassword,
    url: tenantLoginUrl(d.tenant, d.deps.config.issuer),
    days: String(d.tenant.initialPasswordDays ?? 30),
  });
  return { status: 'approved', accountId, mailId };
}

/** Resubmission: a link (valid for resubmitDays) that reopens the form filled in. */
async function askResubmission(d: Decision): Promise<Outcome> {
  const days = d.deps.config.application.resubmitDays;
  const { _id, email } = d.application;
  const token = await issueToken({
    purpose: 'resubmit',
    tenantId: d.tenant._id,
    email,
    lang: d.lang,
    ttlMinutes: days * 1440,
    ref: _id.toString(),
  });
  const url = `${d.deps.config.issuer}/t/${d.tenant._id}/apply/resubmit/${token}`;
  const mailId = await mailApplicant(d, 'resubmit', { reason: d.reason, url, days: String(days) });
  return { status: 'resubmission_requested', mailId };
}

async function carryOut(d: Decision): Promise<Outcome> {
  if (d.application.type === 'student-id') return decideStudentId(d);
  if (d.input.action === 'approve') return approveGraduate(d);
  if (d.input.action === 'resubmit') return askResubmission(d);
  return { status: 'rejected', mailId: await mailApplicant(d, 'rejected', { reason: d.reason }) };
}

/** What the staff's input lacks for this application, if anything. */
function inputError(application: Application, input: DecisionInput, reason: string): DecisionError | undefined {
  if (input.action !== 'approve' && !reason) return 'reasonRequired';
  if (input.action === 'approve' && application.type === 'reapplication' && !input.accountId) return 'accountRequired';
  if (application.type === 'student-id' && input.action === 'resubmit') return 'resubmitNotOffered';
  return undefined;
}

/**
 * One staff decision on a pending application. Exactly one decision wins when two staff members
 * press at once; the applicant is mailed in the language they applied in.
 */
export async function decide(
  deps: Deps,
  staff: Staff,
  tenant: Tenant,
  applicationId: string,
  input: DecisionInput,
): Promise<{ ok: true } | { ok: false; error: DecisionError }> {
  const application = await ApplicationModel.findOne({ _id: applicationId, tenantId: tenant._id }).lean<Application>();
  if (application?.status !== 'pending') return { ok: false, error: 'notPending' };
  const reason = input.reason.trim().slice(0, 1000);
  const refused = inputError(application, input, reason);
  if (refused) return { ok: false, error: refused };
  const claim = `decide:${applicationId}:${application.decisions.length}`;
  if (!(await claimOnce(claim, 86_400_000))) return { ok: false, error: 'notPending' };

  const now = new Date();
  const hold = undoable(application, input.action) ? deps.config.staff.undoSeconds * 1000 : 0;
  // One moment for both: the mail is sent, and the undo offered, until the same instant.
  const heldUntil = hold ? new Date(now.getTime() + hold) : undefined;
  const lang = application.lang as Lang;
  const outcome = await carryOut({ deps, tenant, application, input, reason, lang, claim, heldUntil });
  if ('error' in outcome) return { ok: false, error: outcome.error };
  const { status, accountId, mailId } = outcome;
  const undo = heldUntil ? { mailId, undoUntil: heldUntil } : {};
  // Images are kept for the retention period after a final decision, then deleted (src/db/sweeper.ts).
  const retention = status !== 'resubmission_requested' ? (tenant.imageRetentionDays ?? 90) * 86_400_000 : undefined;
  await ApplicationModel.updateOne(
    { _id: applicationId },
    {
      $set: {
        status,
        ...(accountId ? { accountId } : {}),
        ...(retention ? { imagesDeleteAfter: new Date(now.getTime() + retention) } : {}),
      },
      $push: {
        decisions: {
          action: status,
          staffId: staff._id.toString(),
          staffEmail: staff.email,
          reason,
          accountId,
          at: now,
          ...undo,
        },
      },
    },
  );
  reviewDecisionSeconds.observe(
    { tenant: tenant._id, decision: status },
    (now.getTime() - application.submittedAt.getTime()) / 1000,
  );
  const fields = { tenant: tenant._id, application: applicationId, staff: staff._id.toString(), account: accountId };
  await audit(deps.logger, { event: `application.${status}`, ...fields });
  return { ok: true };
}
