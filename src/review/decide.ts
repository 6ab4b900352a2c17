import { createGraduate, hashGraduateSecrets, parseName } from '../admin/accounts.ts';
import { OperatorError } from '../admin/errors.ts';
import type { Config } from '../config/schema.ts';
import { generatePassword } from '../credentials/password-policy.ts';
import { changeAddress } from '../db/account-address.ts';
import { audit } from '../db/audit.ts';
import { claimOnce } from '../db/claim.ts';
import { AccountModel, isDuplicateKey, STUDENT_ID_STATUSES } from '../db/models/account.ts';
import { type Application, ApplicationModel } from '../db/models/application.ts';
import { ClaimModel } from '../db/models/claim.ts';
import type { Staff } from '../db/models/staff.ts';
import type { Tenant } from '../db/models/tenant.ts';
import { CONTACT_FIELDS } from '../http/form-items.ts';
import { tenantLoginUrl } from '../http/tenant.ts';
import type { Lang } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import { enqueueMail } from '../mail/outbox.ts';
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
  try {
    if (!accountId) throw new OperatorError('account not found');
    const matched = await changeAddress({ _id: accountId, tenantId: tenant._id, kind: 'graduate' }, application.email, {
      emailVerified: true,
      ...stored,
    });
    if (!matched) throw new OperatorError('account not found');
  } catch (error) {
    if (isDuplicateKey(error)) throw new OperatorError('email taken');
    throw error;
  }
  return accountId as string;
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
  if (input.action !== 'approve' && !reason) return { ok: false, error: 'reasonRequired' };
  if (input.action === 'approve' && application.type === 'reapplication' && !input.accountId)
    return { ok: false, error: 'accountRequired' };
  const studentId = application.type === 'student-id';
  if (studentId && input.action === 'resubmit') return { ok: false, error: 'resubmitNotOffered' };

  const claim = `decide:${applicationId}:${application.decisions.length}`;
  if (!(await claimOnce(claim, 86_400_000))) return { ok: false, error: 'notPending' };
  const lang = application.lang as Lang;
  const now = new Date();
  let accountId: string | undefined;
  let status: Application['status'];
  let action: 'approved' | 'rejected' | 'resubmission_requested';

  if (studentId) {
    const values = application.values as Record<string, string>;
    if (input.action === 'approve') {
      accountId = application.accountId ?? undefined;
      await AccountModel.updateOne(
        { _id: accountId, tenantId: tenant._id },
        { $push: { studentIds: studentIdFrom(tenant, values) } },
      );
    }
    const template = input.action === 'approve' ? 'studentIdAdded' : 'studentIdRejected';
    await enqueueMail({
      tenantId: tenant._id,
      to: application.email,
      lang,
      template,
      values: { number: values.studentId ?? '', reason },
    });
    status = input.action === 'approve' ? 'approved' : 'rejected';
    action = status;
  } else if (input.action === 'approve') {
    const initialPassword = generatePassword();
    try {
      accountId = await approve(deps, tenant, application, input.accountId, initialPassword);
    } catch (error) {
      await ClaimModel.deleteOne({ _id: claim });
      if (error instanceof OperatorError)
        return { ok: false, error: error.message === 'account not found' ? 'accountRequired' : 'emailTaken' };
      throw error;
    }
    await enqueueMail({
      tenantId: tenant._id,
      to: application.email,
      lang,
      template: 'approved',
      values: {
        password: initialPassword,
        url: tenantLoginUrl(tenant, deps.config.issuer),
        days: String(tenant.initialPasswordDays ?? 30),
      },
    });
    status = 'approved';
    action = 'approved';
  } else if (input.action === 'reject') {
    await enqueueMail({ tenantId: tenant._id, to: application.email, lang, template: 'rejected', values: { reason } });
    status = 'rejected';
    action = 'rejected';
  } else {
    const days = deps.config.application.resubmitDays;
    const token = await issueToken({
      purpose: 'resubmit',
      tenantId: tenant._id,
      email: application.email,
      lang,
      ttlMinutes: days * 1440,
      ref: applicationId,
    });
    const url = `${deps.config.issuer}/t/${tenant._id}/apply/resubmit/${token}`;
    await enqueueMail({
      tenantId: tenant._id,
      to: application.email,
      lang,
      template: 'resubmit',
      values: { reason, url, days: String(days) },
    });
    status = 'resubmission_requested';
    action = 'resubmission_requested';
  }

  const final = status !== 'resubmission_requested';
  await ApplicationModel.updateOne(
    { _id: applicationId },
    {
      $set: {
        status,
        ...(accountId ? { accountId } : {}),
        ...(final ? { imagesDeleteAfter: new Date(now.getTime() + (tenant.imageRetentionDays ?? 90) * 86_400_000) } : {}),
      },
      $push: { decisions: { action, staffId: staff._id.toString(), staffEmail: staff.email, reason, accountId, at: now } },
    },
  );
  await audit(deps.logger, {
    event: `application.${action}`,
    tenant: tenant._id,
    application: applicationId,
    staff: staff._id.toString(),
    account: accountId,
  });
  return { ok: true };
}
