import { AsyncLocalStorage } from 'node:async_hooks';
import { pino } from 'pino';

export type Logger = pino.Logger;

/**
 * The request being served, wherever the code is: its id goes into every log line and audit entry
 * written while serving it, and onto its error page, so a person can quote it and an operator can
 * find the request (src/http/request-id.ts).
 */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

export const currentRequestId = (): string | undefined => requestContext.getStore()?.requestId;

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
  return destination ? pino(options, destination) : pino(options);
}
