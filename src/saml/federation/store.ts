import type mongoose from 'mongoose';
import { FederationIdpModel } from '../../db/models/federation.ts';
import { replaceById } from '../../db/replace-by-id.ts';
import type { FederationIdp } from './entities.ts';

const model = FederationIdpModel as unknown as mongoose.Model<never>;

const BATCH = 500;

function batches<T>(items: T[]): T[][] {
  return Array.from({ length: Math.ceil(items.length / BATCH) }, (_, i) => items.slice(i * BATCH, (i + 1) * BATCH));
}

/**
 * Makes the stored IdPs of a federation those of the accepted aggregate: only entities whose XML
 * changed are written (a weekly re-signing changes few) and those gone are removed.
 */
export async function storeIdps(federationId: string, idps: FederationIdp[]): Promise<{ written: number; removed: number }> {
  const stored = await FederationIdpModel.find({ federationId }, { digest: 1 }).lean();
  const digests = new Map(stored.map((doc) => [doc._id, doc.digest]));
  const changed = idps.filter((idp) => digests.get(`${federationId}|${idp.key}`) !== idp.digest);
  for (const batch of batches(changed)) {
    await FederationIdpModel.bulkWrite(
      batch.map((idp) => replaceById(model, `${federationId}|${idp.key}`, { federationId, ...idp }, true)),
      { ordered: false },
    );
  }
  const current = new Set(idps.map((idp) => `${federationId}|${idp.key}`));
  const gone = [...digests.keys()].filter((id) => !current.has(id));
  for (const batch of batches(gone)) await FederationIdpModel.deleteMany({ _id: { $in: batch } });
  return { written: changed.length, removed: gone.length };
}
