/**
 * One error class for the whole kit. Every failure a caller can act on carries a stable `code`;
 * adapters map codes to HTTP statuses through `httpStatusForErrorCode` (the one place that knows).
 */
export const ERROR_CODES = {
  INVALID_INVITE: 422,
  INVALID_OPTIONS: 500,
  NOT_CONNECTED: 409,
  MUST_RECONNECT: 409,
  PORTAL_MISMATCH: 409,
  MISSING_SCOPES: 400,
  OAUTH_STATE_INVALID: 400,
  OAUTH_STATE_EXPIRED: 400,
  OAUTH_DENIED: 400,
  OAUTH_ORG_MISMATCH: 403,
  OAUTH_EXCHANGE_FAILED: 502,
  TOKEN_REFRESH_FAILED: 502,
  HUBSPOT_REQUEST_FAILED: 502,
  HUBSPOT_RATE_LIMITED: 503,
  BOOTSTRAP_FAILED: 502,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_REQUEST: 400,
  CROSS_SITE_REQUEST: 403,
  WEBHOOK_SIGNATURE_INVALID: 401,
  ENCRYPTION_KEY_MISSING: 500,
  DECRYPTION_FAILED: 500,
  INTERNAL: 500,
} as const satisfies Record<string, number>;

export type HubSpotKitErrorCode = keyof typeof ERROR_CODES;

export interface HubSpotKitErrorOptions {
  /** Structured facts for logs and the admin UI (never secrets). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class HubSpotKitError extends Error {
  override readonly name = 'HubSpotKitError';
  readonly code: HubSpotKitErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: HubSpotKitErrorCode, message: string, options: HubSpotKitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  /** The HTTP status an adapter answers with for this error. */
  get httpStatus(): number {
    return httpStatusForErrorCode(this.code);
  }

  toJSON(): { code: HubSpotKitErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function httpStatusForErrorCode(code: HubSpotKitErrorCode): number {
  return ERROR_CODES[code];
}

export function isHubSpotKitError(error: unknown, code?: HubSpotKitErrorCode): error is HubSpotKitError {
  return error instanceof HubSpotKitError && (code === undefined || error.code === code);
}
