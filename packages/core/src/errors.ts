/**
 * The kit's one error vocabulary. Every code the kit stores (outbox rows, the sync log, a
 * connection's last error), returns (HTTP answers, `EnqueueOutcome`) or that the widget renders is a
 * key of `ERROR_CODES`, with the HTTP status an adapter answers with and whether a later attempt can
 * succeed. Core never words anything for an admin: it gives a code and structured `details`; the
 * widget's messages table owns the sentences.
 */
export interface ErrorCodeDefinition {
  /** The HTTP status an adapter answers with when this error ends a request. */
  readonly status: number;
  /** Whether trying again later (unchanged input) can succeed. */
  readonly retryable: boolean;
}

const define = (status: number, retryable: boolean): ErrorCodeDefinition => ({ status, retryable });

export const ERROR_CODES = {
  // ---- input and configuration ----
  /** The invite cannot be mapped (missing email, score out of range, malformed code). */
  INVALID_INVITE: define(422, false),
  /** The host passed options the kit cannot work with. */
  INVALID_OPTIONS: define(500, false),
  BAD_REQUEST: define(400, false),
  METHOD_NOT_ALLOWED: define(405, false),
  PAYLOAD_TOO_LARGE: define(413, false),
  NOT_FOUND: define(404, false),

  // ---- who may do what ----
  UNAUTHENTICATED: define(401, false),
  FORBIDDEN: define(403, false),
  CROSS_SITE_REQUEST: define(403, false),

  // ---- the connection ----
  NOT_CONNECTED: define(409, false),
  /** HubSpot refused the refresh token (app uninstalled, access revoked): held until reconnect. */
  MUST_RECONNECT: define(409, false),
  PORTAL_MISMATCH: define(409, false),
  /** The approved portal is already used by another organization: the admin must confirm (details.portalId, portalDomain, sharedWith). */
  PORTAL_SHARED: define(409, false),
  /** The approved portal is used by another organization and the host refuses shared portals. */
  PORTAL_IN_USE: define(409, false),
  /** The connection lacks a scope the kit needs: a reconnect that approves it is the fix. */
  MISSING_SCOPES: define(400, false),
  OAUTH_STATE_INVALID: define(400, false),
  OAUTH_STATE_EXPIRED: define(400, false),
  OAUTH_DENIED: define(400, false),
  OAUTH_ORG_MISMATCH: define(403, false),
  /** The callback's signed-in user is not the one who started the connect (another admin of the org). */
  OAUTH_USER_MISMATCH: define(403, false),
  /** The callback arrived in another browser than the one that started the connect (no or another nonce cookie). */
  OAUTH_BROWSER_MISMATCH: define(403, false),
  OAUTH_EXCHANGE_FAILED: define(502, true),
  /** The token endpoint failed for a transient reason (5xx, timeout): refreshed again later. */
  TOKEN_REFRESH_FAILED: define(502, true),
  ENCRYPTION_KEY_MISSING: define(500, false),
  /** A stored token cannot be decrypted with the configured keys (the key changed). */
  DECRYPTION_FAILED: define(500, false),

  // ---- HubSpot's answers ----
  HUBSPOT_RATE_LIMITED: define(503, true),
  HUBSPOT_UNAVAILABLE: define(502, true),
  HUBSPOT_TIMEOUT: define(504, true),
  HUBSPOT_UNREACHABLE: define(502, true),
  /** 423 Locked (heavy upsert bursts): wait at least 2 s. */
  HUBSPOT_LOCKED: define(503, true),
  /** A 401 that a refresh did not cure. */
  HUBSPOT_UNAUTHORIZED: define(502, true),
  /** A 403 other than missing scopes. */
  HUBSPOT_FORBIDDEN: define(502, false),
  /** HubSpot refused the candidate's email address (details.email, details.hubspotMessage). */
  HUBSPOT_INVALID_EMAIL: define(422, false),
  /** HubSpot refused a property value (details.property, details.value, details.hubspotMessage). */
  HUBSPOT_INVALID_VALUE: define(422, false),
  /** Any other 4xx HubSpot gave for this input (details.status, details.hubspotMessage). */
  HUBSPOT_REJECTED: define(422, false),
  /** HubSpot answered without a result for this contact; upserts are idempotent, so it is sent again. */
  HUBSPOT_NO_RESULT: define(502, true),
  HUBSPOT_REQUEST_FAILED: define(502, true),
  /** A JobCannon property (or the group) is missing in HubSpot; the bootstrap re-creates it. */
  PROPERTIES_MISSING: define(502, true),
  BOOTSTRAP_FAILED: define(502, true),

  // ---- the queue ----
  /** Transient failures went on past the retry horizon; details.lastCode says the last one. */
  RETRIES_EXHAUSTED: define(503, true),
  /** Another worker took over a row whose lease lapsed. */
  LEASE_LOST: define(409, true),
  /** The process is stopping; the row goes back to the queue untouched. */
  SHUTTING_DOWN: define(503, true),

  // ---- webhooks ----
  WEBHOOK_SIGNATURE_INVALID: define(401, false),

  INTERNAL: define(500, true),
} as const satisfies Record<string, ErrorCodeDefinition>;

export type HubSpotKitErrorCode = keyof typeof ERROR_CODES;

/**
 * Structured facts about a failure, for logs, the API and the widget's wording. Never secrets, and
 * never prose meant for an admin: HubSpot's own text goes in `hubspotMessage`, verbatim, for support.
 */
export interface ErrorDetails {
  inviteId?: string | null;
  email?: string;
  /** The invite field (INVALID_INVITE) or HubSpot property a value was refused for. */
  field?: string;
  property?: string;
  value?: unknown;
  /** What HubSpot said, verbatim (its `message`), and its identifiers for support tickets. */
  hubspotMessage?: string;
  hubspotCategory?: string;
  correlationId?: string | null;
  /** HTTP status of the answer, when there was one. */
  status?: number | null;
  /** For RETRIES_EXHAUSTED: the last transient code seen. */
  lastCode?: HubSpotKitErrorCode;
  [key: string]: unknown;
}

export interface HubSpotKitErrorOptions {
  /** Structured facts for logs and the admin UI (never secrets). */
  details?: ErrorDetails;
  cause?: unknown;
}

export function isErrorCode(value: unknown): value is HubSpotKitErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

/** A stored code from an older version (or a typo) reads as INTERNAL rather than as an unknown string. */
export function toErrorCode(value: unknown): HubSpotKitErrorCode {
  return isErrorCode(value) ? value : 'INTERNAL';
}

export class HubSpotKitError extends Error {
  override readonly name = 'HubSpotKitError';
  readonly code: HubSpotKitErrorCode;
  readonly details: ErrorDetails;

  constructor(code: HubSpotKitErrorCode, message: string, options: HubSpotKitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  /** The HTTP status an adapter answers with for this error. */
  get httpStatus(): number {
    return httpStatusForErrorCode(this.code);
  }

  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }

  toJSON(): { code: HubSpotKitErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function httpStatusForErrorCode(code: HubSpotKitErrorCode): number {
  return ERROR_CODES[code].status;
}

export function isRetryableErrorCode(code: HubSpotKitErrorCode): boolean {
  return ERROR_CODES[code].retryable;
}

export function isHubSpotKitError(error: unknown, code?: HubSpotKitErrorCode): error is HubSpotKitError {
  return error instanceof HubSpotKitError && (code === undefined || error.code === code);
}
