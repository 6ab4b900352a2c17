import argon2, { type HashOptions } from 'argon2';
import { argon2Seconds } from '../metrics.ts';

export interface Argon2Settings {
  memoryCostKiB: number;
  timeCost: number;
  parallelism: number;
}

/** argon2id for every secret a person chooses or receives (passwords, second passwords). */
export class SecretHasher {
  private readonly options: HashOptions;
  private dummy: Promise<string> | undefined;

  constructor(settings: Argon2Settings) {
    this.options = {
      type: argon2.argon2id,
      memoryCost: settings.memoryCostKiB,
      timeCost: settings.timeCost,
      parallelism: settings.parallelism,
    };
  }

  async hash(secret: string): Promise<string> {
    const done = argon2Seconds.startTimer({ operation: 'hash' });
    try {
      return await argon2.hash(secret, this.options);
    } finally {
      done();
    }
  }

  /**
   * Verifies against the stored hash, or against a throw-away hash when there is none, so an
   * unknown account costs the same time as a known one.
   */
  async verify(hash: string | undefined | null, secret: string): Promise<boolean> {
    this.dummy ??= this.hash('not-a-real-secret');
    const target = hash ?? (await this.dummy);
    const done = argon2Seconds.startTimer({ operation: 'verify' });
    try {
      const ok = await argon2.verify(target, secret);
      return ok && Boolean(hash);
    } catch {
      return false;
    } finally {
      done();
    }
  }
}
