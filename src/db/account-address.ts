import type mongoose from 'mongoose';
import { type Account, AccountModel, isDuplicateKey } from './models/account.ts';
import { AccountAddressModel } from './models/account-address.ts';

const key = (tenantId: string, email: string) => `${tenantId}|${email}`;

/**
 * The account holding `email` at `tenantId` (matching `filter`), found through its address key. A
 * stale key (the account has moved to another address since) finds nothing.
 */
export async function findByAddress(
  tenantId: string,
  email: string,
  filter: Record<string, unknown> = {},
): Promise<Account | null> {
  const entry = await AccountAddressModel.findById(key(tenantId, email)).lean();
  if (!entry) return null;
  return AccountModel.findOne({ ...filter, _id: entry.accountId, tenantId, email }).lean<Account>();
}

export async function addressInUse(tenantId: string, email: string): Promise<boolean> {
  return (await findByAddress(tenantId, email)) !== null;
}

/**
 * Points the address key at `accountId`, which already holds the address: the unique (tenant, mail)
 * index of the accounts decided the owner, so overwriting a stale key is always right.
 */
async function pointAddress(tenantId: string, email: string, accountId: string): Promise<void> {
  const _id = key(tenantId, email);
  try {
    await AccountAddressModel.create({ _id, accountId });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    await AccountAddressModel.updateOne({ _id }, { $set: { accountId } });
  }
}

async function releaseAddress(tenantId: string, email: string, accountId: string): Promise<void> {
  await AccountAddressModel.deleteOne({ _id: key(tenantId, email), accountId });
}

/**
 * Creates an account, then its address key. The account's unique index refuses a taken address; a
 * stop between the two writes leaves the address without a key (`account reindex` rebuilds them).
 */
export async function createAccount(doc: Record<string, unknown> & { tenantId: string; email: string }) {
  const account = await AccountModel.create(doc);
  await pointAddress(doc.tenantId, doc.email, account._id.toString());
  return account;
}

/**
 * Moves an account to a new address (with other fields to set): the account first (its unique index
 * refuses a taken address), then the new key, then the old key goes. False when nothing matched.
 */
export async function changeAddress(
  filter: { _id: mongoose.Types.ObjectId | string; tenantId: string } & Record<string, unknown>,
  email: string,
  set: Record<string, unknown> = {},
): Promise<boolean> {
  const before = await AccountModel.findOne(filter).lean<Account>();
  if (!before) return false;
  const accountId = before._id.toString();
  await AccountModel.updateOne({ _id: before._id }, { $set: { ...set, email } });
  await pointAddress(filter.tenantId, email, accountId);
  if (before.email !== email) await releaseAddress(filter.tenantId, before.email, accountId);
  return true;
}

/** Rebuilds the address keys of a university from its accounts (a scan: an operator's repair). */
export async function reindexAddresses(tenantId: string): Promise<number> {
  let count = 0;
  for await (const account of AccountModel.find({ tenantId }, { email: 1 }).lean<Account[]>().cursor()) {
    await pointAddress(tenantId, account.email, account._id.toString());
    count++;
  }
  return count;
}
