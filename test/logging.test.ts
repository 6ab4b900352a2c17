import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { asyncDestination, createLogger, LOG_BUFFER_BYTES } from '../src/log.ts';
import { registry } from '../src/metrics.ts';

// Issue 23, item 9: a log destination that falls behind neither warns nor grows the process without end.
test('a burst of log lines to a reader that stops reading raises no warning, holds bounded memory and counts what it drops', async (t) => {
  const fifo = join(mkdtempSync(join(tmpdir(), 'cert-idp-log-')), 'slow');
  execFileSync('mkfifo', [fifo]);
  const reader = createReadStream(fifo);
  reader.on('data', () => reader.pause()); // a reader that takes one chunk, then stops
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  const destination = asyncDestination(fifo);
  const logger = createLogger('info', destination);
  const dropped = async () => (await registry.getSingleMetric('cert_idp_log_bytes_dropped_total')?.get())?.values[0]?.value ?? 0;
  const droppedBefore = await dropped();
  const memory = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.external + m.arrayBuffers;
  };
  const before = memory();
  const detail = 'x'.repeat(200);
  let peak = 0;
  for (let i = 0; i < 600_000; i++) {
    logger.info({ i, detail }, 'burst');
    if (i % 10_000 === 0) peak = Math.max(peak, memory() - before);
  }
  peak = Math.max(peak, memory() - before);
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  t.deepEqual(warnings, [], 'no warning (MaxListenersExceededWarning or any other)');
  t.true(peak < LOG_BUFFER_BYTES * 6, `memory grew by ${Math.round(peak / 2 ** 20)} MiB for about 170 MiB of lines`);
  t.true((await dropped()) > droppedBefore, 'what did not fit was dropped and counted');
  reader.destroy();
});
