import { z } from 'zod';

const seconds = z.number().int().positive();

export const configSchema = z.object({
  env: z.enum(['development', 'test', 'production']),
  port: z.number().int().min(0).max(65535),
  issuer: z.url({ protocol: /^https?$/ }),
  trustProxy: z.boolean(),
  /**
   * Outgoing calls (back-channel logout) to loopback and private addresses are refused against
   * SSRF unless this is set: development, tests, or relying parties on a campus network.
   */
  allowPrivateNetworkCalls: z.boolean(),
  /**
   * strict: /readyz answers 503 for a stalled mail outbox or an old key too, not only for the
   * database (off by default: late mail should not take logins down; docs/operations.md).
   */
  readiness: z.object({ strict: z.boolean() }),
  /** The Prometheus metrics listener, apart from the public port: 0 leaves it off. */
  metrics: z.object({
    port: z.number().int().min(0).max(65535),
    host: z.string().min(1),
  }),
  mongodb: z.object({
    uri: z.string().startsWith('mongodb').nullable(),
    serverSelectionTimeoutMs: z.number().int().positive(),
    /** The driver's command events, which the tests and the benchmark count (bench/commands.ts). */
    monitorCommands: z.boolean(),
  }),
  /** The protocol store (Redis or Valkey, 7 or later): oidc-provider's short-lived records, and change messages. */
  redis: z.object({
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .nullable(),
    /** Put before every key and naming the change channel, so several services (or tests) can share one store. */
    prefix: z.string().min(1),
  }),
  embeddedDb: z.object({
    port: z.number().int().min(1).max(65535),
    /** The embedded protocol store's port (redis-server), when REDIS_URL is not set. */
    redisPort: z.number().int().min(1).max(65535),
    dataDir: z.string().min(1),
    /** How often the service looks at the embedded FerretDB and PostgreSQL it started. */
    watchSeconds: z.number().positive(),
    /** How long FerretDB may leave pings unanswered (PostgreSQL answering) before it is restarted. */
    hangSeconds: z.number().positive(),
  }),
  keysDir: z.string().min(1),
  cookieKeys: z.array(z.string().min(32, 'each cookie key needs at least 32 characters')),
  /** AES-256-GCM key for identification images at rest (base64); else keys/image-key. */
  imageKey: z.string().optional(),
  ttl: z.object({
    sessionSeconds: seconds,
    interactionSeconds: seconds,
    authorizationCodeSeconds: seconds,
    accessTokenSeconds: seconds,
    idTokenSeconds: seconds,
    refreshTokenSeconds: seconds,
    grantSeconds: seconds,
  }),
  argon2: z.object({
    memoryCostKiB: z.number().int().min(19456, 'below the OWASP minimum of 19456 KiB'),
    timeCost: z.number().int().min(2),
    parallelism: z.number().int().min(1),
  }),
  mail: z.object({
    smtpUrl: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://'),
    from: z.string().min(3),
    pollIntervalMs: z.number().int().positive(),
    retryBaseMs: z.number().int().positive(),
    maxAttempts: z.number().int().positive(),
    leaseMs: z.number().int().positive(),
    /** A mail a service process writes is sent by its own worker at once (off: only by polling). */
    sendAtOnce: z.boolean(),
  }),
  application: z.object({
    /** Validity of the mail-address confirmation URL (the manuals: 30 minutes). */
    urlMinutes: z.number().int().positive(),
    /** How long a started application keeps what was typed. */
    flowMinutes: z.number().int().positive(),
    maxImageBytes: z.number().int().min(100_000).max(7_000_000),
    /** Validity of the link that reopens an application the staff sent back. */
    resubmitDays: z.number().int().positive(),
  }),
  /** Login sessions: ended after this long without use; ttl.sessionSeconds is the absolute lifetime. */
  session: z.object({ idleMinutes: z.number().int().positive() }),
  staff: z.object({
    idleMinutes: z.number().int().positive(),
    absoluteHours: z.number().int().positive(),
    /** Minutes after a sign-in (or a step-up) within which console changes are allowed without signing in again. */
    stepUpMinutes: z.number().int().positive(),
    /** Seconds a decision's mail is held so the reviewer may undo it (issue 27 item 5); 0: sent at once, no undo. */
    undoSeconds: z.number().int().min(0).max(600),
  }),
  /** Guessing and mail-bombing limits (src/security/throttle.ts). */
  throttle: z.object({
    accountFreeFailures: z.number().int().min(1),
    ipFreeFailures: z.number().int().min(1),
    baseDelaySeconds: z.number().int().positive(),
    maxDelaySeconds: z.number().int().positive(),
    windowMinutes: z.number().int().positive(),
    mailsPerAddressPerHour: z.number().int().positive(),
    mailsPerIpPerHour: z.number().int().positive(),
  }),
  /** SAML: tolerated clock difference with university IdPs, how long an AuthnRequest awaits its answer, federations. */
  saml: z.object({
    clockSkewSeconds: z.number().int().min(0).max(600),
    requestMinutes: z.number().int().positive(),
    /** How often each process looks for a federation aggregate due for refresh (docs/federation.md). */
    federationPollSeconds: z.number().positive(),
    /** The heap budget of the worker that checks an aggregate; a larger one is refused, not loaded. */
    federationParseMemoryMb: z.number().int().min(32),
    /** What our SP metadata tells a federation besides keys and endpoints (src/saml/sp-metadata.ts). */
    sp: z.object({
      organizationUrl: z.union([z.literal(''), z.url()]),
      technicalContact: z.union([z.literal(''), z.email()]),
      supportContact: z.union([z.literal(''), z.email()]),
      privacyStatementUrl: z.union([z.literal(''), z.url()]),
      entityCategories: z.array(z.url()),
    }),
  }),
  /** Requests handled at once; beyond it the service answers 503 at once instead of queueing. */
  maxInFlight: z.number().int().positive(),
  sweepIntervalMs: z.number().int().positive(),
  /** How often a process looks whether another one changed a university, client or IdP. */
  changePollMs: z.number().int().positive(),
  /** A Pwned-Passwords-compatible range API asked about new passwords (X3.5); null: the offline list only. */
  passwordBreachUrl: z.string().url().nullable(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  demo: z.object({
    seed: z.boolean(),
    redirectUris: z.array(z.url()),
    credentialsFile: z.string().min(1),
    /** The demo certificate front end (development only). */
    frontendPort: z.number().int().min(0).max(65535),
  }),
});

export type Config = z.infer<typeof configSchema>;
