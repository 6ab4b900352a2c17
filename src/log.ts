import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'cert-idp' },
    redact: { paths: ['*.password', '*.secondPassword', '*.secret', 'req.headers.cookie', 'req.headers.authorization'] },
  });
}
