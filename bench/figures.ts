// What every benchmark script needs to turn repeated runs into figures.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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

/** Writes a figures file as the project's formatter lays it out (aligned tables), so lint passes on it as written. */
export function writeFigures(url: URL, markdown: string): void {
  const path = fileURLToPath(url);
  writeFileSync(path, markdown);
  execFileSync('biome', ['format', '--write', path], { stdio: 'ignore' });
}
