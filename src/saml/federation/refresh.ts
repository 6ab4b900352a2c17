import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { audit } from '../../db/audit.ts';
import { recordChange } from '../../db/change-stamp.ts';
import { takeLease } from '../../db/lease.ts';
import { type Federation, FederationModel } from '../../db/models/federation.ts';
import type { Logger } from '../../log.ts';
import { federationRefreshes } from '../../metrics.ts';
import { AggregateRefusal } from './aggregate-refusal.ts';
import { storeIdps } from './store.ts';
import { verifyInWorker } from './verify.ts';

/** Longer than any refresh takes; a process that dies holding the lease holds it no longer than this. */
const LEASE_MS = 10 * 60_000;
const MAX_AGGREGATE_BYTES = 512 * 1024 * 1024;

export interface RefreshOptions {
  memoryMb: number;
  logger: Logger;
  /** Refresh now, even when not yet due (the operator's `federation refresh`). */
  force?: boolean;
}

export type RefreshResult =
  | { outcome: 'busy' | 'unchanged' }
  | { outcome: 'accepted'; idps: number; written: number; removed: number; validUntil: Date }
  | { outcome: 'refused'; reason: string; detail: string };

type Fetched = { notModified: true } | { notModified: false; xml: Uint8Array; etag: string; lastModified: string };

/** The aggregate, asked for conditionally (ETag / If-Modified-Since) once a good copy is held. */
async function fetchAggregate(federation: Federation): Promise<Fetched> {
  if (!/^https?:\/\//.test(federation.source)) {
    const xml = await readFile(federation.source).catch((error: Error) => {
      throw new AggregateRefusal('fetch', `cannot read ${federation.source}: ${error.message}`);
    });
    return { notModified: false, xml, etag: '', lastModified: '' };
  }
  const headers: Record<string, string> = {};
  if (federation.acceptedAt && federation.etag) headers['if-none-match'] = federation.etag;
  if (federation.acceptedAt && federation.lastModified) headers['if-modified-since'] = federation.lastModified;
  const response = await fetch(federation.source, { headers, signal: AbortSignal.timeout(120_000) }).catch((error: Error) => {
    throw new AggregateRefusal('fetch', `cannot fetch ${federation.source}: ${error.message}`);
  });
  if (response.status === 304) return { notModified: true };
  if (!response.ok) throw new AggregateRefusal('fetch', `cannot fetch ${federation.source}: HTTP ${response.status}`);
  if (Number(response.headers.get('content-length') ?? 0) > MAX_AGGREGATE_BYTES) {
    throw new AggregateRefusal('too-large', `the aggregate is larger than ${MAX_AGGREGATE_BYTES} bytes`);
  }
  return {
    notModified: false,
    xml: new Uint8Array(await response.arrayBuffer()),
    etag: response.headers.get('etag') ?? '',
    lastModified: response.headers.get('last-modified') ?? '',
  };
}

/** Fetches, checks and stores the aggregate; the caller holds the lease. */
async function refreshHeld(federation: Federation, options: RefreshOptions): Promise<RefreshResult> {
  const fetched = await fetchAggregate(federation);
  if (fetched.notModified) return { outcome: 'unchanged' };
  const digest = createHash('sha256').update(fetched.xml).digest('base64url');
  if (federation.acceptedAt && digest === federation.digest) return { outcome: 'unchanged' };
  const verified = await verifyInWorker(fetched.xml, federation.certificates, options.memoryMb);
  const { written, removed } = await storeIdps(federation._id, verified.idps);
  await FederationModel.updateOne(
    { _id: federation._id },
    {
      $set: {
        acceptedAt: new Date(),
        validUntil: verified.validUntil,
        etag: fetched.etag,
        lastModified: fetched.lastModified,
        digest,
        entityCount: verified.entityCount,
        idpCount: verified.idps.length,
        lastError: '',
        lastErrorAt: null,
      },
    },
  );
  // Every process drops what it cached of the federation's IdPs and its validity.
  await recordChange();
  return { outcome: 'accepted', idps: verified.idps.length, written, removed, validUntil: verified.validUntil };
}

/** A refused copy: the previous good one stays in use; the operator hears of it (log, audit, readyz). */
async function recordRefusal(federation: Federation, error: AggregateRefusal, logger: Logger): Promise<RefreshResult> {
  await FederationModel.updateOne(
    { _id: federation._id },
    { $set: { lastError: `${error.reason}: ${error.message}`.slice(0, 2000), lastErrorAt: new Date() } },
  );
  await audit(
    logger,
    { event: 'federation.refused', federation: federation._id, reason: error.reason, detail: error.message.slice(0, 500) },
    'federation metadata refused; the last good copy stays in use',
    'warn',
  );
  return { outcome: 'refused', reason: error.reason, detail: error.message };
}

/**
 * Requirement X2.1. Refreshes one federation's aggregate if this process wins the lease (and, unless forced, the
 * refresh is due): one refresh serves every process. Afterwards the next one is scheduled.
 */
export async function refreshFederation(id: string, options: RefreshOptions): Promise<RefreshResult> {
  const release = await takeLease(`federation:${id}`, LEASE_MS);
  if (!release) return { outcome: 'busy' };
  let result: RefreshResult = { outcome: 'busy' };
  try {
    // Read under the lease: a refresh another process just finished has moved nextRefreshAt.
    const federation = await FederationModel.findById(id).lean<Federation>();
    if (!federation || (!options.force && federation.nextRefreshAt > new Date())) return result;
    try {
      result = await refreshHeld(federation, options);
    } catch (error) {
      if (!(error instanceof AggregateRefusal)) throw error;
      result = await recordRefusal(federation, error, options.logger);
    }
    const next = new Date(Date.now() + federation.refreshMinutes * 60_000);
    // The source serves the good copy again (say, after a fetch error): nothing is refused any more.
    const recovered = result.outcome === 'unchanged' ? { lastError: '', lastErrorAt: null } : {};
    await FederationModel.updateOne({ _id: id }, { $set: { nextRefreshAt: next, checkedAt: new Date(), ...recovered } });
    federationRefreshes.inc({ federation: id, outcome: result.outcome });
    return result;
  } finally {
    await release();
  }
}

/** Every federation whose refresh is due, one after the other (the scheduler's tick). */
export async function refreshDue(options: RefreshOptions): Promise<void> {
  const due = await FederationModel.find({ nextRefreshAt: { $lte: new Date() } }, { _id: 1 }).lean();
  for (const { _id } of due) {
    const result = await refreshFederation(_id, options);
    if (result.outcome !== 'busy') options.logger.info({ federation: _id, ...result }, 'federation metadata refresh');
  }
}

/** Runs refreshDue every `pollSeconds` in this process; returns the stop. */
export function startFederationRefresh(options: Omit<RefreshOptions, 'force'> & { pollSeconds: number }): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await refreshDue(options);
    } catch (error) {
      options.logger.warn({ err: error }, 'federation metadata refresh failed; retried at the next tick');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, options.pollSeconds * 1000);
  timer.unref();
  void tick();
  return () => clearInterval(timer);
}
