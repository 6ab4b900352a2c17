import type mongoose from 'mongoose';
import { type Account, AccountModel } from './models/account.ts';

/**
 * The account holding `email` at `tenantId` (matching `filter`): one query the unique (tenant, mail)
 * index serves, on MongoDB and on the embedded database (src/db/embedded/gin-mirror.sql).
 */
export async function findByAddress(
  tenantId: string,
  email: string,
  filter: Record<string, unknown> = {},
): Promise<Account | null> {
  return AccountModel.findOne({ ...filter, tenantId, email }).lean<Account>();
}

/**
 * Only the id of the account holding `email` (matching `filter`): where the page must not tell
 * whether the address is registered, a whole account read would take longer than finding nothing.
 */
export async function accountIdAt(
  tenantId: string,
  email: string,
  filter: Record<string, unknown> = {},
): Promise<string | undefined> {
  return (await AccountModel.exists({ ...filter, tenantId, email }))?._id.toString();
}

export async function addressInUse(tenantId: string, email: string): Promise<boolean> {
  return (await accountIdAt(tenantId, email)) !== undefined;
}

/** Creates an account; the unique (tenant, mail) index refuses a taken address. */
export async function createAccount(doc: Record<string, unknown> & { tenantId: string; email: string }) {
  return AccountModel.create(doc);
}

/**
 * Moves an account to a new address (with other fields to set); the unique index refuses a taken
 * address and nothing changes. False when nothing matched.
 */
export async function changeAddress(
  filter: { _id: mongoose.Types.ObjectId | string; tenantId: string } & Record<string, unknown>,
  email: string,
  set: Record<string, unknown> = {},
): Promise<boolean> {
  const { matchedCount } = await AccountModel.updateOne(filter, { $set: { ...set, email } });
  return matchedCount > 0;
}
