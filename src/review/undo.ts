import { audit } from '../db/audit.ts';
import { deleteAccount } from '../db/identities.ts';
import { type Application, ApplicationModel } from '../db/models/application.ts';
import { ClaimModel } from '../db/models/claim.ts';
import type { Staff } from '../db/models/staff.ts';
import type { Tenant } from '../db/models/tenant.ts';
import type { Logger } from '../log.ts';
import { cancelHeldMail } from '../mail/outbox.ts';
import { revokeTokens } from '../security/one-time-token.ts';

type Decision = Application['decisions'][number];

/** The last decision, when `staff` made it, it may be undone, and its mail is still held. */
export function undoableDecision(
  application: Pick<Application, 'decisions' | 'status'>,
  staff: Staff,
  now = new Date(),
): Decision | undefined {
  const last = application.decisions.at(-1);
  const mine = last?.staffId === staff._id.toString();
  return application.status !== 'pending' && mine && last?.mailId && last.undoUntil && last.undoUntil > now ? last : undefined;
}

/**
 * Takes back the last decision of an application (issue 27 item 5): only while the applicant's mail
 * is held and no worker has picked it up, so the applicant never hears of it. A new applicant's
 * account (whose password was never sent) is deleted, a resubmission link revoked, and the application
 * is pending again. False when it is too late.
 */
export async function undoDecision(logger: Logger, staff: Staff, tenant: Tenant, application: Application): Promise<boolean> {
  const last = undoableDecision(application, staff);
  if (!last?.mailId || !(await cancelHeldMail(last.mailId))) return false;
  const id = application._id.toString();
  const createdAccount = application.type === 'new' && last.action === 'approved' ? last.accountId : undefined;
  if (createdAccount) await deleteAccount(createdAccount);
  if (last.action === 'resubmission_requested') await revokeTokens('resubmit', tenant._id, id);
  await ApplicationModel.updateOne(
    { _id: application._id, status: application.status },
    {
      $set: { status: 'pending' },
      $unset: { imagesDeleteAfter: 1, ...(createdAccount ? { accountId: 1 } : {}) },
      $pop: { decisions: 1 },
    },
  );
  // The claim that let this decision win (src/review/decide.ts) is released for the next one.
  await ClaimModel.deleteOne({ _id: `decide:${id}:${application.decisions.length - 1}` });
  await audit(logger, {
    event: 'application.decision_undone',
    tenant: tenant._id,
    application: id,
    staff: staff._id.toString(),
    undone: last.action,
  });
  return true;
}
