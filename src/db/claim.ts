import { isDuplicateKey } from './models/account.ts';
import { ClaimModel } from './models/claim.ts';

/** True for exactly one caller per key, across processes; the key is kept until `keepMs` passes. */
export async function claimOnce(key: string, keepMs: number): Promise<boolean> {
  try {
    await ClaimModel.create({ _id: key, expiresAt: new Date(Date.now() + keepMs) });
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}
