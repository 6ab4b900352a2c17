import { hash, type Options, verify } from '@node-rs/argon2';
import { argon2Seconds } from '../metrics.ts';

export interface Argon2Settings {
  memoryCostKiB: number;
  timeCost: number;
  parallelism: number;
}

/** argon2id for every secret a person chooses or receives (passwords, second passwords). */
export class SecretHasher {
  private readonly options: Options;
  private dummy: Promise<string> | undefined;

  constructor(settings: Argon2Settings) {
    // argon2id is the library's default (its Algorithm enum is a const enum this build cannot name).
    this.options = {
      memoryCost: settings.memoryCostKiB,
      timeCost: settings.timeCost,
      parallelism: settings.parallelism,
    };
  }

  async hash(secret: string): Promise<string> {
    const done = argon2Seconds.startTimer({ operation: 'hash' });
    try {
      return await hash(secret, this.options);
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
      const ok = await verify(target, secret);
      return ok && Boolean(hash);
    } catch {
      return false;
    } finally {
      done();
    }
  }
}
