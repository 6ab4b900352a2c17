import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/load.ts';

const VERSION = 1;
let key: Buffer | undefined;
let indexKey: Buffer | undefined;

/**
 * Identification images are stored encrypted (AES-256-GCM). The key comes from IMAGE_KEY (base64,
 * 32 bytes) or keys/image-key; outside production a missing file is generated.
 */
export function loadImageKey(configured: string | undefined, keysDir: string, allowGenerate: boolean): void {
  if (configured) {
    key = Buffer.from(configured, 'base64');
  } else {
    const file = join(keysDir, 'image-key');
    try {
      key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    } catch {
      if (!allowGenerate) throw new ConfigError(`IMAGE_KEY is not set and ${file} is missing`);
      key = randomBytes(32);
      writeFileSync(file, key.toString('base64'), { mode: 0o600 });
    }
  }
  if (key.length !== 32) throw new ConfigError('the image key must be 32 bytes (base64)');
  indexKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'register blind index', 32));
}

function requireKey(): Buffer {
  if (!key) throw new Error('image key not loaded');
  return key;
}

/** version (1 byte) | IV (12) | tag (16) | ciphertext */
export function sealImage(plain: Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', requireKey(), iv);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

/** Opens sealed bytes as stored: a Buffer, or the BSON Binary a lean read returns. */
export function openImage(stored: Buffer | { buffer: Uint8Array }): Buffer {
  const sealed = Buffer.isBuffer(stored) ? stored : Buffer.from(stored.buffer);
  if (sealed[0] !== VERSION) throw new Error('unknown image encryption version');
  const decipher = createDecipheriv('aes-256-gcm', requireKey(), sealed.subarray(1, 13));
  decipher.setAuthTag(sealed.subarray(13, 29));
  return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]);
}

/** The university's register is sealed with the same key (src/db/models/register.ts). */
export const sealText = (text: string): Buffer => sealImage(Buffer.from(text, 'utf8'));
export const openText = (sealed: Buffer | { buffer: Uint8Array }): string => openImage(sealed).toString('utf8');

/**
 * A keyed hash to find a sealed record by one of its values (a blind index): equal values give equal
 * hashes, and without the key the hash tells nothing. The key is derived from the image key.
 */
export function blindIndex(purpose: string, value: string): string {
  if (!indexKey) throw new Error('image key not loaded');
  return createHmac('sha256', indexKey).update(`${purpose}\0${value}`).digest('base64url').slice(0, 27);
}
