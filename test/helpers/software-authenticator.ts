import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

/**
 * A passkey made in software, for the tests that need to choose what an authenticator answers (its
 * signature counter, a cloned key): an ES256 key, its COSE public key as a server stores it, and
 * assertions signed the way WebAuthn signs them (authenticator data ‖ SHA-256 of the client data).
 */
export class SoftwareAuthenticator {
  readonly id = randomBytes(16).toString('base64url');
  private readonly keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  /** The COSE_Key (EC2, ES256) the server keeps, base64url. */
  publicKey(): string {
    const jwk = this.keys.publicKey.export({ format: 'jwk' });
    const key = new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x as string, 'base64url')],
      [-3, Buffer.from(jwk.y as string, 'base64url')],
    ]);
    return b64url(isoCBOR.encode(key as never));
  }

  /** An assertion for `challenge` at `origin`, user present and verified, with signature counter `counter`. */
  answer(challenge: string, origin: string, counter: number) {
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge, origin, crossOrigin: false }));
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    const rpIdHash = createHash('sha256').update(new URL(origin).hostname).digest();
    const authenticatorData = Buffer.concat([rpIdHash, Buffer.from([0x05]), count]);
    const signed = Buffer.concat([authenticatorData, createHash('sha256').update(clientDataJSON).digest()]);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authenticatorData),
        signature: b64url(sign('sha256', signed, this.keys.privateKey)),
      },
      clientExtensionResults: {},
    };
  }
}
