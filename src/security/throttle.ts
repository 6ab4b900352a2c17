import type { Config } from '../config/schema.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import { ThrottleModel, type ThrottleRecord } from '../db/models/throttle.ts';
import { throttleWaits } from '../metrics.ts';

type Settings = Config['throttle'];

/** Upsert; two requests creating the same key at once make one of them a plain update instead. */
async function save(key: string, set: Partial<ThrottleRecord>): Promise<void> {
  try {
    await ThrottleModel.updateOne({ _id: key }, { $set: set }, { upsert: true });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    await ThrottleModel.updateOne({ _id: key }, { $set: set });
  }
}

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
   * a record (only those need a reset). One `_id` lookup per key, at once: `$in` is not served by an
   * index on the embedded database, and this collection grows under a guessing attack.
   */
  async check(keys: string[], now = new Date()): Promise<{ wait: number; recorded: Set<string> }> {
    const found = await Promise.all(keys.map((key) => ThrottleModel.findById(key).lean<ThrottleRecord & { _id: string }>()));
    const records = found.filter((record) => record !== null);
    const until = Math.max(0, ...records.map((r) => r.blockedUntil?.getTime() ?? 0));
    const wait = Math.max(0, Math.ceil((until - now.getTime()) / 1000));
    // The kind is the key's prefix, named in our code ("login", "staff", …), never the address.
    if (wait) throttleWaits.inc({ kind: (keys[0] ?? '').split(':')[0] });
    return { wait, recorded: new Set(records.map((r) => r._id)) };
  }

  async waitSeconds(keys: string[], now = new Date()): Promise<number> {
    return (await this.check(keys, now)).wait;
  }

  /** Counts a failure; past `free` failures in the window, the key waits longer each time. */
  async fail(key: string, free: number, now = new Date()): Promise<void> {
    const current = await ThrottleModel.findById(key).lean<ThrottleRecord>();
    const fresh = !current || now.getTime() - current.windowStart.getTime() > this.windowMs;
    const count = fresh ? 1 : current.count + 1;
    const over = count - free;
    const delay = over > 0 ? Math.min(this.settings.baseDelaySeconds * 2 ** (over - 1), this.settings.maxDelaySeconds) : 0;
    await save(key, {
      count,
      windowStart: fresh ? now : current.windowStart,
      blockedUntil: new Date(now.getTime() + delay * 1000),
      expiresAt: new Date(now.getTime() + this.windowMs + delay * 1000),
    });
  }

  async reset(key: string): Promise<void> {
    await ThrottleModel.deleteOne({ _id: key });
  }

  /** Counts an event (a mail sent); false once `limit` events happened within the last hour. */
  async allow(key: string, limit: number, now = new Date()): Promise<boolean> {
    const current = await ThrottleModel.findById(key).lean<ThrottleRecord>();
    const fresh = !current || now.getTime() - current.windowStart.getTime() > 3_600_000;
    const count = fresh ? 1 : current.count + 1;
    if (count > limit) return false;
    await save(key, { count, windowStart: fresh ? now : current.windowStart, expiresAt: new Date(now.getTime() + 3_600_000) });
    return true;
  }

  /** A mail to `address` may go: within the per-address and per-client-address hourly limits. */
  async allowMail(tenantId: string, address: string, ip: string): Promise<boolean> {
    return (
      (await this.allow(`mail-ip:${ip}`, this.settings.mailsPerIpPerHour)) &&
      (await this.allow(`mail:${tenantId}:${address}`, this.settings.mailsPerAddressPerHour))
    );
  }
}
