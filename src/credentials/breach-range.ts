import { createHash } from 'node:crypto';
import type { Logger } from '../log.ts';

/**
 * The optional on-line check of requirement X3.5 (PASSWORD_BREACH_URL, off by default): a k-anonymity
 * range query to a Pwned-Passwords-compatible service — only the first five hex digits of the
 * password's SHA-1 leave the process, padded answers are asked for — in addition to the offline list.
 * It fails open: a service that cannot be reached within two seconds leaves the offline list alone to
 * decide, with a warning in the log. Set once per process at start (src/app.ts), as the service's
 * configuration is.
 */
let range: { url: string; logger: Logger } | undefined;

export function useBreachRange(url: string | null | undefined, logger: Logger): void {
  range = url ? { url: url.replace(/\/+$/, ''), logger } : undefined;
}

export async function knownBreached(password: string): Promise<boolean> {
  if (!range) return false;
  const hash = createHash('sha1').update(password).digest('hex').toUpperCase();
  try {
    const response = await fetch(`${range.url}/range/${hash.slice(0, 5)}`, {
      headers: { 'Add-Padding': 'true' },
      signal: AbortSignal.timeout(2000),
    });
    if (!response.ok) throw new Error(`the range service answered ${response.status}`);
    const suffix = hash.slice(5);
    return (await response.text()).split('\n').some((line) => {
      const [candidate, count] = line.trim().split(':');
      return candidate === suffix && Number(count) > 0;
    });
  } catch (error) {
    range.logger.warn({ err: error }, 'the breached-password range could not be asked; the offline list alone decided');
    return false;
  }
}
