import { Worker } from 'node:worker_threads';
import { type AggregateReason, AggregateRefusal, type VerifiedAggregate } from './aggregate.ts';

type Answer = { verified?: VerifiedAggregate; refusal?: { reason: AggregateReason; message: string }; error?: string };

/**
 * verifyAggregate in a worker thread whose heap is limited to `memoryMb`: the service keeps
 * answering while a large aggregate is checked, and an aggregate too large for the budget is
 * refused (reason `too-large`) instead of taking the process down.
 */
export function verifyInWorker(
  xml: string,
  certificates: string[],
  memoryMb: number,
  now = new Date(),
): Promise<VerifiedAggregate> {
  const worker = new Worker(new URL('./verify-worker.ts', import.meta.url), {
    workerData: { xml, certificates, now: now.getTime() },
    resourceLimits: { maxOldGenerationSizeMb: memoryMb },
  });
  return new Promise((resolve, reject) => {
    let answered = false;
    worker.once('message', (answer: Answer) => {
      answered = true;
      if (answer.verified) resolve({ ...answer.verified, validUntil: new Date(answer.verified.validUntil) });
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
