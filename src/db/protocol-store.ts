import { Redis } from 'ioredis';
import { messageOf, ServiceError } from '../errors.ts';
import { redactUri } from './connection.ts';

// The protocol store: Redis (or Valkey) for what lives minutes to days and is read on every
// protocol request — oidc-provider's interactions, sessions, grants, codes and tokens (src/oidc/
// records.ts) — and the channel on which processes tell each other what changed. Accounts, student
// IDs, applications and audit stay in MongoDB. Why: docs/protocol-state.md.

export class StoreUnreachableError extends Error {}

/** The store out of reach mid-request: a temporary state, answered 503 like a database outage. */
export class StoreOutage extends ServiceError {
  /** oidc-provider answers with this status (its error handler reads `statusCode`). */
  readonly statusCode = 503;

  constructor(detail: string) {
    super(503, 'error.unavailable', { detail, retryAfter: 5 });
  }
}

let client: Redis | undefined;
let subscriber: Redis | undefined;
/** The key prefix, which is also the name of the change channel (several services may share one Redis). */
let prefix = '';

const options = (keyPrefix: string) => ({
  keyPrefix,
  lazyConnect: true,
  // A command waits at most a couple of seconds for a store that went away: then the request fails
  // (503) rather than hanging. Commands issued together go in one write (auto-pipelining).
  maxRetriesPerRequest: 1,
  commandTimeout: 2000,
  enableAutoPipelining: true,
});

/** Connects and proves the store answers; failure is one clear error naming where. */
export async function connectProtocolStore(url: string, keyPrefix: string): Promise<void> {
  const connecting = new Redis(url, options(keyPrefix));
  connecting.on('error', () => undefined); // reported by the commands that fail; reconnects on its own
  try {
    await connecting.connect();
    await connecting.ping();
  } catch (error) {
    connecting.disconnect();
    throw new StoreUnreachableError(`cannot reach the protocol store at ${redactUri(url)}: ${messageOf(error)}`);
  }
  client = connecting;
  prefix = keyPrefix;
}

/** The connected store; throws before connectProtocolStore. */
export function protocolStore(): Redis {
  if (!client) throw new Error('the protocol store is not connected');
  return client;
}

/** Runs a store command, turning "the store is away" into a 503 (StoreOutage). */
export async function inStore<T>(command: (store: Redis) => Promise<T>): Promise<T> {
  try {
    return await command(protocolStore());
  } catch (error) {
    if (error instanceof Error && error.name === 'ReplyError') throw error; // a wrong command: a bug, not an outage
    throw new StoreOutage(messageOf(error));
  }
}

/** Readiness: the store answers a PING within `timeoutMs`. */
export async function pingStore(timeoutMs = 2000): Promise<boolean> {
  if (!client) return false;
  const timeout = new Promise<false>((done) => setTimeout(() => done(false), timeoutMs).unref());
  return Promise.race([
    client.ping().then(
      () => true,
      () => false,
    ),
    timeout,
  ]);
}

/** Tells every process (this one included) that `what` changed. A store that is away loses the message. */
export async function publishChange(what: string): Promise<void> {
  await client?.publish(`${prefix}changes`, what).catch(() => undefined);
}

/**
 * Calls `changed` with each message published by any process, and `listening(false)` whenever
 * messages may be missed (the subscription is down), `listening(true)` once they arrive again.
 */
export async function followChanges(changed: (what: string) => void, listening: (on: boolean) => void): Promise<void> {
  const channel = `${prefix}changes`;
  subscriber = protocolStore().duplicate({ lazyConnect: true });
  subscriber.on('error', () => undefined);
  subscriber.on('message', (_channel: string, what: string) => changed(what));
  subscriber.on('close', () => listening(false));
  // ioredis subscribes again after a reconnect; only then are messages certain to arrive again.
  subscriber.on(
    'ready',
    () =>
      void subscriber?.subscribe(channel).then(
        () => listening(true),
        () => undefined,
      ),
  );
  await subscriber.connect();
}

export async function closeProtocolStore(): Promise<void> {
  subscriber?.disconnect();
  subscriber = undefined;
  await client?.quit().catch(() => client?.disconnect());
  client = undefined;
}
