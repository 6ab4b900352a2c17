// What every benchmark script needs to turn repeated runs into figures.

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/**
 * Runs `total` tasks with `concurrency` at a time (`task` is told which of the concurrent workers
 * runs it); returns tasks per second and each task's latency (ms).
 */
export async function load(total: number, concurrency: number, task: (worker: number) => Promise<unknown>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (next++ < total) {
        const t0 = performance.now();
        await task(worker);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { perSecond: (total / (performance.now() - started)) * 1000, latencies };
}
