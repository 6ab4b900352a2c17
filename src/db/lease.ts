import { claimUntil } from './claim.ts';
import { ClaimModel } from './models/claim.ts';

/**
 * A lease on `name` for `ms`, held by one caller across processes (a claim: the unique-key insert
 * is atomic on FerretDB too). Returns its release, or undefined while another holds it. A lease
 * whose holder died is taken over once it has expired.
 */
export async function takeLease(name: string, ms: number): Promise<(() => Promise<void>) | undefined> {
  const _id = `lease:${name}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    const expiresAt = new Date(Date.now() + ms);
    if (await claimUntil(_id, expiresAt)) {
      // Only our own lease is released: one taken over after ours expired stays.
      return async () => {
        await ClaimModel.deleteOne({ _id, expiresAt });
      };
    }
    const held = await ClaimModel.findById(_id, { expiresAt: 1 }).lean();
    if (held && held.expiresAt > new Date()) return undefined;
    if (held) await ClaimModel.deleteOne({ _id, expiresAt: held.expiresAt });
  }
  return undefined;
}
