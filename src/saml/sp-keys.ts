import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ConfigError } from '../config/load.ts';
import { type RotationStep, readKeyFile, rotateKeyList, writeKeyFile } from '../security/key-files.ts';

/** One key pair of our SAML service provider; the certificate only carries the public key. */
export interface SpKey {
  id: string;
  privateKey: string;
  certificate: string;
  createdAt: string;
}

const FILE = 'saml-sp.json';
const TEN_YEARS_MS = 10 * 365 * 86_400_000;

async function newSpKey(): Promise<SpKey> {
  const now = new Date();
  const { generate } = await import('selfsigned'); // development and tests only
  const pems = await generate([{ name: 'commonName', value: 'cert-idp SAML service provider' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + TEN_YEARS_MS),
  });
  return { id: randomUUID(), privateKey: pems.private, certificate: pems.cert, createdAt: now.toISOString() };
}

/**
 * The SP keys live in keys/saml-sp.json; the first signs AuthnRequests, every one is published in
 * our metadata (signing and encryption) and may decrypt assertions. Generated outside production.
 */
export async function loadSpKeys(keysDir: string, allowGenerate: boolean): Promise<SpKey[]> {
  const existing = readKeyFile<{ keys: SpKey[] }>(join(keysDir, FILE));
  if (existing?.keys?.length) return existing.keys;
  if (!allowGenerate)
    throw new ConfigError(`no SAML SP keys in ${join(keysDir, FILE)}; create one with "npm run cli -- saml-keys add"`);
  const keys = [await newSpKey()];
  writeKeyFile(keysDir, FILE, { keys });
  return keys;
}

/**
 * Rotation as for the OIDC keys, each step followed by a restart: `add` publishes a new key in the
 * metadata (universities refresh it) without signing with it, `promote` makes it the signing key,
 * `retire` removes an old key once every IdP has the new metadata.
 */
export async function rotateSpKeys(keysDir: string, step: RotationStep, id?: string): Promise<SpKey[]> {
  const existing = readKeyFile<{ keys: SpKey[] }>(join(keysDir, FILE))?.keys ?? [];
  const next = await rotateKeyList(existing, step, { id, idOf: (key) => key.id, create: newSpKey, what: 'SAML SP key with id' });
  writeKeyFile(keysDir, FILE, { keys: next });
  return next;
}
