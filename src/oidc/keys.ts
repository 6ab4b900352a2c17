import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { ConfigError } from '../config/load.ts';
import { type RotationStep, readKeyFile as readJson, rotateKeyList, writeKeyFile as writeSecret } from '../security/key-files.ts';

async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  // iat: when it was made (for its age in metrics and readiness); oidc-provider never publishes it.
  const made = { iat: Math.floor(Date.now() / 1000) };
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig', ...made };
}

/**
 * Signing keys live in keys/jwks.json. Outside production a missing file is generated so a fresh
 * clone runs at once; in production a missing key is a configuration error, never a silent new key.
 */
export async function loadSigningKeys(keysDir: string, allowGenerate: boolean): Promise<{ keys: JWK[] }> {
  const file = join(keysDir, 'jwks.json');
  const existing = readJson<{ keys: JWK[] }>(file);
  if (existing?.keys?.length) return existing;
  if (!allowGenerate) throw new ConfigError(`no signing keys in ${file}; generate them with "npm run cli -- keys generate"`);
  const jwks = { keys: [await newSigningKey()] };
  writeSecret(keysDir, 'jwks.json', jwks);
  return jwks;
}

/** Cookie signing keys: from configuration, else keys/cookie-keys.json (generated outside production). */
export function loadCookieKeys(configured: string[], keysDir: string, allowGenerate: boolean): string[] {
  if (configured.length > 0) return configured;
  const existing = readJson<string[]>(join(keysDir, 'cookie-keys.json'));
  if (existing?.length) return existing;
  if (!allowGenerate) throw new ConfigError('COOKIE_KEYS must be set');
  const keys = [randomBytes(32).toString('base64url')];
  writeSecret(keysDir, 'cookie-keys.json', keys);
  return keys;
}

/**
 * Rotation in three steps (running instances take each within seconds): `add` publishes a new key that does not sign
 * yet (relying parties fetch it), `promote` makes it the signing key (the first of the set), and
 * `retire` removes an old key once the tokens it signed have expired.
 */
export async function rotateSigningKeys(keysDir: string, step: RotationStep, kid?: string): Promise<JWK[]> {
  const { keys } = await loadSigningKeys(keysDir, false);
  const next = await rotateKeyList(keys, step, {
    id: kid,
    idOf: (key) => key.kid,
    create: newSigningKey,
    what: 'signing key with kid',
  });
  writeSecret(keysDir, 'jwks.json', { keys: next });
  return next;
}
