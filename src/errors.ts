/**
 * The service's one error type: the HTTP status it answers with, a public code (the message key the
 * person is shown, in their language) and a detail only the log sees. Thrown anywhere; rendered in one
 * place (src/http/errors.ts, errorPages), as node-oidc-provider's lib/helpers/errors.js does.
 * Subclasses name the cases a caller branches on, so nobody branches on message text.
 */
export interface WayOn {
  href: string;
  label: string;
}

export class ServiceError extends Error {
  readonly status: number;
  readonly code: string;
  /** For the log only: what went wrong in terms a person must not see (names, addresses, internals). */
  readonly detail?: string;
  /** Seconds after which trying again makes sense (Retry-After). */
  readonly retryAfter?: number;
  /** The page's way on (a path and the message key of its label), where the thrower knows a better one than the default. */
  readonly wayOn?: WayOn;

  constructor(status: number, code: string, options: { detail?: string; retryAfter?: number; wayOn?: WayOn } = {}) {
    super(options.detail ? `${code}: ${options.detail}` : code);
    this.status = status;
    this.code = code;
    this.detail = options.detail;
    this.retryAfter = options.retryAfter;
    this.wayOn = options.wayOn;
  }
}

/** The message of anything thrown (a library may throw a string or a plain object). */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The database out of reach (the driver's errors for it): a temporary state, answered 503 everywhere. */
export const isDatabaseOutage = (error: unknown): boolean =>
  error instanceof Error && /^Mongo(ServerSelection|Network|NotConnected|Topology)/.test(error.name);
