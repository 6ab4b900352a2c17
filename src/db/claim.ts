import { isDuplicateKey } from './duplicate-key.ts';
import { ClaimModel } from './models/claim.ts';

/** True for exactly one caller per key, across processes; the key is kept until `keepMs` passes. */
export const claimOnce = (key: string, keepMs: number) => claimUntil(key, new Date(Date.now() + keepMs));

/** claimOnce, kept until `expiresAt` (which the caller then knows without reading it back). */
export async function claimUntil(key: string, expiresAt: Date): Promise<boolean> {
  try {
    await ClaimModel.create({ _id: key, expiresAt });
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}
