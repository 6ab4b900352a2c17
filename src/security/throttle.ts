import type { Config } from '../config/schema.ts';
import { inStore } from '../db/protocol-store.ts';
import { throttleWaits } from '../metrics.ts';

type Settings = Config['throttle'];

// Counts live in the protocol store (src/db/protocol-store.ts) as `throttle:<key>`, a hash of count,
// windowStart and blockedUntil (ms), expiring with the window: shared by every instance, gone by the
// store's own TTL. Each change is one script, so counts under concurrent failures are exact.

/** The start of both scripts: this event counted in the key's window (ARGV: now, window in ms). */
const COUNT_IN_WINDOW = `
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local count, start = unpack(redis.call('HMGET', KEYS[1], 'count', 'windowStart'))
count, start = tonumber(count), tonumber(start)
if not count or now - start > window then count, start = 1, now else count = count + 1 end`;

/** A failure (ARGV 3–5: free failures, base and longest wait in s): the wait set past the free ones. */
const FAIL = `${COUNT_IN_WINDOW}
local free, base, max = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local delay = 0
if count > free then delay = math.min(base * 2 ^ (count - free - 1), max) end
redis.call('HSET', KEYS[1], 'count', count, 'windowStart', start, 'blockedUntil', now + delay * 1000)
redis.call('PEXPIRE', KEYS[1], window + delay * 1000)
return delay`;

/** An event within a limit per window (ARGV 3: the limit): 1 when counted, 0 when the limit was reached. */
const ALLOW = `${COUNT_IN_WINDOW}
if count > tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], 'count', count, 'windowStart', start)
redis.call('PEXPIRE', KEYS[1], window)
return 1`;

const HOUR_MS = 3_600_000;
const stored = (key: string) => `throttle:${key}`;

/**
 * Slows guessing down instead of locking accounts (compare Keycloak's brute-force detection): after
 * a few free failures each further failure doubles the wait, up to a ceiling, and the count starts
 * again after a quiet window. An attacker can delay a victim's logins for at most `maxDelaySeconds`
 * at a time, never lock them out. Counts are approximate under races, which is enough to slow.
 */
export class Throttle {
  private readonly settings: Settings;

  constructor(settings: Settings) {
    this.settings = settings;
  }

  private get windowMs() {
    return this.settings.windowMinutes * 60_000;
  }

  /**
   * Seconds to wait before another attempt under any of these keys (0: go ahead), and which keys have
   * a record (only those need a reset). One read per key, sent together.
   */
  async check(keys: string[], now = new Date()): Promise<{ wait: number; recorded: Set<string> }> {
    const found = await inStore((store) => Promise.all(keys.map((key) => store.hget(stored(key), 'blockedUntil'))));
    const until = Math.max(0, ...found.map((blockedUntil) => Number(blockedUntil ?? 0)));
    const wait = Math.max(0, Math.ceil((until - now.getTime()) / 1000));
    // The kind is the key's prefix, named in our code ("login", "staff", …), never the address.
    if (wait) throttleWaits.inc({ kind: (keys[0] ?? '').split(':')[0] });
    return { wait, recorded: new Set(keys.filter((_, i) => found[i] !== null)) };
  }

  async waitSeconds(keys: string[], now = new Date()): Promise<number> {
    return (await this.check(keys, now)).wait;
  }

  /** Counts a failure; past `free` failures in the window, the key waits longer each time. */
  async fail(key: string, free: number, now = new Date()): Promise<void> {
    const { baseDelaySeconds, maxDelaySeconds } = this.settings;
    const args = [now.getTime(), this.windowMs, free, baseDelaySeconds, maxDelaySeconds];
    await inStore((store) => store.eval(FAIL, 1, stored(key), ...args));
  }

  async reset(key: string): Promise<void> {
    await inStore((store) => store.del(stored(key)));
  }

  /** Counts an event (a mail sent); false once `limit` events happened within the last hour. */
  async allow(key: string, limit: number, now = new Date()): Promise<boolean> {
    return (await inStore((store) => store.eval(ALLOW, 1, stored(key), now.getTime(), HOUR_MS, limit))) === 1;
  }

  /** A mail to `address` may go: within the per-address and per-client-address hourly limits. */
  async allowMail(tenantId: string, address: string, ip: string): Promise<boolean> {
    return (
      (await this.allow(`mail-ip:${ip}`, this.settings.mailsPerIpPerHour)) &&
      (await this.allow(`mail:${tenantId}:${address}`, this.settings.mailsPerAddressPerHour))
    );
  }
}
