import { Worker } from 'node:worker_threads';
import type { AggregateSummary, VerifiedAggregate } from './aggregate.ts';
import { type AggregateReason, AggregateRefusal } from './aggregate-refusal.ts';

import type { FederationIdp } from './entities.ts';

type Answer = {
  idps?: FederationIdp[];
  summary?: AggregateSummary;
  refusal?: { reason: AggregateReason; message: string };
  error?: string;
};

/**
 * verifyAggregate in a worker thread whose heap is limited to `memoryMb`: the service keeps
 * answering while a large aggregate is checked, and an aggregate too large for the budget is
 * refused (reason `too-large`) instead of taking the process down. The bytes are handed over, not
 * copied: the caller must not use `xml` afterwards.
 */
export function verifyInWorker(
  xml: Uint8Array,
  certificates: string[],
  memoryMb: number,
  now = new Date(),
): Promise<VerifiedAggregate> {
  // A Buffer may share its memory with others (node's pool): only a whole buffer of its own is moved.
  const own = xml.byteOffset === 0 && xml.byteLength === xml.buffer.byteLength ? xml : new Uint8Array(xml);
  const worker = new Worker(new URL('./verify-worker.ts', import.meta.url), {
    workerData: { xml: own, certificates, now: now.getTime() },
    transferList: [own.buffer as ArrayBuffer],
    resourceLimits: { maxOldGenerationSizeMb: memoryMb },
  });
  return new Promise((resolve, reject) => {
    let answered = false;
    const idps: FederationIdp[] = [];
    worker.on('message', (answer: Answer) => {
      if (answer.idps) return void idps.push(...answer.idps);
      answered = true;
      if (answer.summary) resolve({ ...answer.summary, idps });
      else if (answer.refusal) reject(new AggregateRefusal(answer.refusal.reason, answer.refusal.message));
      else reject(new Error(answer.error));
      void worker.terminate();
    });
    worker.once('error', (error: Error & { code?: string }) => {
      answered = true;
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        reject(new AggregateRefusal('too-large', `the aggregate needs more than the parse budget of ${memoryMb} MiB`));
      } else reject(error);
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the metadata worker stopped (exit ${code})`));
    });
  });
}
