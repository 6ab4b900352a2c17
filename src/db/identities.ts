import type mongoose from 'mongoose';
import { type Account, AccountModel, accountCache } from './models/account.ts';

// The one door to identities (issue 25), as Kratos keeps identity/pool.go: every read and write of an
// account goes through here, and nothing else imports the account model (.dependency-cruiser.cjs).
// Writes through the model drop the cached account in every process (accountCache.forgetOnWrite).

export type { Account } from './models/account.ts';
export { STUDENT_ID_STATUSES } from './models/account.ts';

type Id = mongoose.Types.ObjectId | string;
type Filter = Record<string, unknown>;
/** What a page or the CLI may list: never the secrets' hashes. */
const WITHOUT_SECRETS = { passwordHash: 0, secondPasswordHash: 0 };

/** The account with this id (and matching `filter`, e.g. its university and kind). */
export function findAccount(id: Id, filter: Filter = {}): Promise<Account | null> {
  return AccountModel.findOne({ ...filter, _id: id })
    .lean<Account>()
    .exec();
}

/** The account with this id as the token and userinfo endpoints read it: from the cache when it is there. */
export function cachedAccount(id: string): Promise<Account | null> {
  return accountCache.read(id, () => AccountModel.findById(id).lean<Account>().exec());
}

/**
 * The account holding `email` at `tenantId` (matching `filter`): one query the unique (tenant, mail)
 * index serves, on MongoDB and on the embedded database (src/db/embedded/gin-mirror.sql).
 */
export async function findByAddress(tenantId: string, email: string, filter: Filter = {}): Promise<Account | null> {
  return AccountModel.findOne({ ...filter, tenantId, email }).lean<Account>();
}

/**
 * Only the id of the account holding `email` (matching `filter`): where the page must not tell
 * whether the address is registered, a whole account read would take longer than finding nothing.
 */
export async function accountIdAt(tenantId: string, email: string, filter: Filter = {}): Promise<string | undefined> {
  return (await AccountModel.exists({ ...filter, tenantId, email }))?._id.toString();
}

export async function addressInUse(tenantId: string, email: string): Promise<boolean> {
  return (await accountIdAt(tenantId, email)) !== undefined;
}

/** The university's accounts in address order, without secrets (the operator's list). */
export function listAccounts(tenantId: string): Promise<Account[]> {
  return AccountModel.find({ tenantId }, WITHOUT_SECRETS).sort({ email: 1 }).lean<Account[]>().exec();
}

/**
 * Accounts of the university matching any of `anyOf` (and `filter`: a reviewer's search takes graduates
 * only), in address order, without secrets (a staff member's search).
 */
export function findAccounts(tenantId: string, anyOf: Filter[], limit: number, filter: Filter = {}): Promise<Account[]> {
  return AccountModel.find({ ...filter, tenantId, $or: anyOf }, WITHOUT_SECRETS)
    .sort({ email: 1 })
    .limit(limit)
    .lean<Account[]>()
    .exec();
}

/** One account of the university, without secrets (a staff page). */
export function accountForStaff(tenantId: string, id: string): Promise<Account | null> {
  return AccountModel.findOne({ tenantId, _id: id }, WITHOUT_SECRETS).lean<Account>().exec();
}

/** The addresses of other accounts of the university that already hold this student ID. */
export function otherHoldersOf(tenantId: string, studentId: string, except: Id): Promise<Account[]> {
  return AccountModel.find({ tenantId, 'studentIds.number': studentId, _id: { $ne: except } }, { email: 1 })
    .lean<Account[]>()
    .exec();
}

/** The students whose university sign-in (IdP and NameID) is the one an IdP's logout names. */
export function accountsOfIdpSession(tenantId: string, idpId: string, nameId: string): Promise<Account[]> {
  return AccountModel.find({ tenantId, 'samlSession.idpId': idpId, 'samlSession.nameId': nameId }).lean<Account[]>().exec();
}

/** Whether the account may be used: not stopped by its university (issue 26). */
export const isDisabled = (account: Pick<Account, 'disabledAt'>): boolean => Boolean(account.disabledAt);

/** Stops the account (`reason` given by a staff member) or, with `reason` undefined, lets it be used again; false when nothing changed. */
export async function setDisabled(tenantId: string, id: Id, reason: string | undefined): Promise<boolean> {
  const change =
    reason === undefined
      ? { $unset: { disabledAt: 1, disabledReason: 1 } }
      : { $set: { disabledAt: new Date(), disabledReason: reason } };
  const { modifiedCount } = await AccountModel.updateOne(
    { tenantId, _id: id, disabledAt: { $exists: reason === undefined } },
    change,
  );
  return modifiedCount > 0;
}

/**
 * Takes a student ID off the account as it was read (`updatedAt`: nobody changed it since, so the
 * IDs written back are the ones seen less this one): on FerretDB 1.24 neither a $pull by condition
 * nor a $set with the array's field in the filter changed anything (tried). False when it did not
 * hold it or changed meanwhile.
 */
export async function unlinkStudentId(account: Account, number: string): Promise<boolean> {
  const { tenantId, _id, updatedAt, studentIds } = account;
  if (!studentIds.some((id) => id.number === number)) return false;
  const { modifiedCount } = await AccountModel.updateOne(
    { tenantId, _id, updatedAt },
    { $set: { studentIds: studentIds.filter((id) => id.number !== number) } },
  );
  return modifiedCount > 0;
}

/** Creates an account; the unique (tenant, mail) index refuses a taken address. */
export async function createAccount(doc: Filter & { tenantId: string; email: string }) {
  return AccountModel.create(doc);
}

/** Changes an account (matching `filter` too); false when nothing matched. */
export async function updateAccount(id: Id, change: mongoose.UpdateQuery<Account>, filter: Filter = {}): Promise<boolean> {
  const { matchedCount } = await AccountModel.updateOne({ ...filter, _id: id }, change);
  return matchedCount > 0;
}

/** Changes an account and reads it back as it now is. */
export function updateAndRead(id: Id, change: mongoose.UpdateQuery<Account>): Promise<Account | null> {
  return AccountModel.findByIdAndUpdate(id, change, { returnDocument: 'after' }).lean<Account>().exec();
}

/** Records a login's times and keeps the account as it now is for the code exchange that follows. */
export async function recordSignIn(account: Account, times: Pick<Account, 'lastLoginAt'> & Partial<Account>): Promise<void> {
  await AccountModel.updateOne({ _id: account._id }, { $set: times });
  accountCache.remember({ ...account, ...times });
}

export async function deleteAccount(id: Id): Promise<void> {
  await AccountModel.deleteOne({ _id: id });
}

/**
 * Moves an account to a new address (with other fields to set); the unique index refuses a taken
 * address and nothing changes. False when nothing matched.
 */
export async function changeAddress(
  filter: { _id: Id; tenantId: string } & Filter,
  email: string,
  set: Filter = {},
): Promise<boolean> {
  const { matchedCount } = await AccountModel.updateOne(filter, { $set: { ...set, email } });
  return matchedCount > 0;
}
