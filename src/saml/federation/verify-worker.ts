import { parentPort, workerData } from 'node:worker_threads';
import { verifyAggregate } from './aggregate.ts';
import { AggregateRefusal } from './aggregate-refusal.ts';
import type { FederationIdp } from './entities.ts';

// Runs verifyAggregate off the main thread (see verify.ts): parsing and canonicalising a large
// aggregate takes seconds the event loop must not lose, and the worker's heap limit is the budget.
// IdPs are posted in batches as they are read, so the worker never holds them all.
const { xml, certificates, now } = workerData as { xml: Uint8Array; certificates: string[]; now: number };
const BATCH = 500;
let batch: FederationIdp[] = [];
const post = () => {
  if (batch.length) parentPort?.postMessage({ idps: batch });
  batch = [];
};
try {
  const summary = await verifyAggregate(xml, certificates, new Date(now), (idp) => {
    batch.push(idp);
    if (batch.length >= BATCH) post();
  });
  post();
  parentPort?.postMessage({ summary });
} catch (error) {
  const refusal = error instanceof AggregateRefusal ? { reason: error.reason, message: error.message } : undefined;
  parentPort?.postMessage({
    refusal,
    error: refusal ? undefined : error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
}
