import client from 'prom-client';

/**
 * What the service counts, in the Prometheus format (prom-client), served on a listener of its own
 * (src/metrics-server.ts), never on the public port. Labels stay bounded: strategy ids, tenant ids
 * (set by operators), reasons and route groups named in our code — never an address, a client's
 * value or a person.
 */
export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'cert_idp_' });

export const logins = new client.Counter({
  name: 'cert_idp_logins_total',
  help: 'Logins by strategy, university and result (succeeded, failed, refused)',
  labelNames: ['strategy', 'tenant', 'result'] as const,
  registers: [registry],
});

export const argon2Seconds = new client.Histogram({
  name: 'cert_idp_argon2_seconds',
  help: 'Time in argon2id, by operation (hash, verify)',
  labelNames: ['operation'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8],
  registers: [registry],
});

export const httpSeconds = new client.Histogram({
  name: 'cert_idp_http_request_duration_seconds',
  help: 'Request latency by route group and status class',
  labelNames: ['route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const logBytesDropped = new client.Counter({
  name: 'cert_idp_log_bytes_dropped_total',
  help: 'Log output dropped because its destination did not keep up (the buffer was full)',
  registers: [registry],
});

export const embeddedRestarts = new client.Counter({
  name: 'cert_idp_embedded_db_restarts_total',
  help: 'Restarts of the embedded database by the process that started it, by process (ferretdb, postgres) and reason (exited, hung)',
  labelNames: ['process', 'reason'] as const,
  registers: [registry],
});

export const databaseSeconds = new client.Histogram({
  name: 'cert_idp_database_command_seconds',
  help: 'Database commands by name (find, insert, update, …), their latency',
  labelNames: ['command'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  registers: [registry],
});

export const databaseErrors = new client.Counter({
  name: 'cert_idp_database_command_errors_total',
  help: 'Database commands that failed, by name',
  labelNames: ['command'] as const,
  registers: [registry],
});

export const samlRefusals = new client.Counter({
  name: 'cert_idp_saml_refusals_total',
  help: 'SAML responses refused, by reason',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const federationRefreshes = new client.Counter({
  name: 'cert_idp_saml_federation_refreshes_total',
  help: 'Federation metadata refreshes by federation and outcome (accepted, unchanged, refused)',
  labelNames: ['federation', 'outcome'] as const,
  registers: [registry],
});

export const throttleWaits = new client.Counter({
  name: 'cert_idp_throttle_waits_total',
  help: 'Requests told to wait after repeated failures, by kind of key',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const reviewDecisionSeconds = new client.Histogram({
  name: 'cert_idp_review_decision_seconds',
  help: 'Time from an application submitted to its decision, by university and decision',
  labelNames: ['tenant', 'decision'] as const,
  buckets: [3600, 6 * 3600, 86_400, 2 * 86_400, 3 * 86_400, 7 * 86_400, 14 * 86_400, 30 * 86_400],
  registers: [registry],
});

export const inFlight = new client.Gauge({
  name: 'cert_idp_requests_in_flight',
  help: 'Requests being served',
  registers: [registry],
});

export const overloadRefusals = new client.Counter({
  name: 'cert_idp_overload_refusals_total',
  help: 'Requests answered 503 because more were in flight than the service takes',
  registers: [registry],
});

/** When the key that signs now was made, by kind (signing, saml-sp); set as the keys are loaded. */
const keyMadeAt = new Map<string, number>();

export function recordKeyMade(kind: 'signing' | 'saml-sp', madeAtMs: number | undefined): void {
  if (madeAtMs === undefined || Number.isNaN(madeAtMs)) keyMadeAt.delete(kind);
  else keyMadeAt.set(kind, madeAtMs);
}

/** Days since the key of `kind` that signs now was made; undefined for a key older than the records. */
export function keyAgeDays(kind: 'signing' | 'saml-sp'): number | undefined {
  const made = keyMadeAt.get(kind);
  return made === undefined ? undefined : Math.floor((Date.now() - made) / 86_400_000);
}

new client.Gauge({
  name: 'cert_idp_key_age_seconds',
  help: 'Age of the key that signs now, by kind (signing: ID tokens; saml-sp: SAML requests)',
  labelNames: ['kind'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [kind, made] of keyMadeAt) this.set({ kind }, (Date.now() - made) / 1000);
  },
});

/** The route group of a path, for latency: a few names fixed here, never the path itself. */
export function routeGroup(path: string): string {
  if (path.startsWith('/interaction/')) return 'interaction';
  if (path === '/token') return 'token';
  if (path.startsWith('/auth')) return 'authorization';
  if (path === '/me') return 'userinfo';
  if (path.startsWith('/session/end')) return 'logout';
  if (path === '/jwks' || path.startsWith('/.well-known/')) return 'discovery';
  if (/^\/t\/[^/]+\/saml\//.test(path)) return 'saml';
  if (path.startsWith('/t/')) return 'pages';
  if (path === '/healthz' || path === '/readyz') return 'health';
  return 'other';
}
