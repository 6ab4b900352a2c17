import { AsyncLocalStorage } from 'node:async_hooks';
import { pino } from 'pino';
import { logBytesDropped } from './metrics.ts';

export type Logger = pino.Logger;

/**
 * The request being served, wherever the code is: its id goes into every log line and audit entry
 * written while serving it, and onto its error page, so a person can quote it and an operator can
 * find the request (src/http/request-id.ts).
 */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

export const currentRequestId = (): string | undefined => requestContext.getStore()?.requestId;

/** What the log buffer holds at most while its destination is slow; past it lines are dropped and counted. */
export const LOG_BUFFER_BYTES = 16 * 1024 * 1024;

/**
 * Where log lines go unless a test says otherwise: `dest` (standard output) written asynchronously
 * (pino's SonicBoom), so a slow reader never holds up a request, with a bounded buffer: beyond
 * LOG_BUFFER_BYTES lines are dropped and counted (`cert_idp_log_bytes_dropped_total`) rather than
 * growing the process without end. Flushed when the process exits.
 */
export function asyncDestination(dest: number | string = 1): pino.DestinationStream & { flushSync(): void } {
  const stream = pino.destination({ dest, sync: false, maxLength: LOG_BUFFER_BYTES });
  stream.on('drop', (data: string) => logBytesDropped.inc(Buffer.byteLength(data)));
  // A buffer that cannot be written at exit (a reader gone) is lost, not an error at exit.
  process.once('exit', () => {
    try {
      stream.flushSync();
    } catch {}
  });
  return stream;
}

/** Standard output's one destination, shared by every logger of the process. */
let standardOutput: pino.DestinationStream | undefined;

/** JSON lines to standard output, or to `destination` (the tests read them). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'cert-idp' },
    redact: { paths: ['*.password', '*.secondPassword', '*.secret', 'req.headers.cookie', 'req.headers.authorization'] },
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
  };
  if (destination) return pino(options, destination);
  standardOutput ??= asyncDestination();
  return pino(options, standardOutput);
}
