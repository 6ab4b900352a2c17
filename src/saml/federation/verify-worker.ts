import { parentPort, workerData } from 'node:worker_threads';
import { AggregateRefusal, verifyAggregate } from './aggregate.ts';

// Runs verifyAggregate off the main thread (see verify.ts): parsing and canonicalising a large
// aggregate takes seconds the event loop must not lose, and the worker's heap limit is the budget.
const { xml, certificates, now } = workerData as { xml: string; certificates: string[]; now: number };
try {
  parentPort?.postMessage({ verified: await verifyAggregate(xml, certificates, new Date(now)) });
} catch (error) {
  const refusal = error instanceof AggregateRefusal ? { reason: error.reason, message: error.message } : undefined;
  parentPort?.postMessage({ refusal, error: refusal ? undefined : String((error as Error).stack ?? error) });
}
