/**
 * What went wrong on one HubSpot call, normalised from the official client's `ApiException`, fetch's
 * network errors and timeouts, so delivery decides retry / isolate / fail from one shape.
 */
export type HubSpotCallErrorKind = 'http' | 'timeout' | 'network' | 'aborted';

export interface HubSpotErrorBody {
  status?: string;
  message?: string;
  correlationId?: string;
  category?: string;
  subCategory?: string;
  policyName?: string;
  errorType?: string;
  context?: Record<string, unknown>;
  errors?: Array<{ message?: string; code?: string; context?: Record<string, unknown>; subCategory?: string }>;
  [key: string]: unknown;
}

export class HubSpotCallError extends Error {
  override readonly name = 'HubSpotCallError';
  constructor(
    readonly kind: HubSpotCallErrorKind,
    readonly status: number | null,
    message: string,
    readonly body: HubSpotErrorBody | null,
    readonly headers: Record<string, string>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get category(): string | null {
    return this.body?.category ?? null;
  }

  get correlationId(): string | null {
    return this.body?.correlationId ?? null;
  }

  /** Transient: worth another attempt after a backoff. */
  get retryable(): boolean {
    if (this.kind === 'timeout' || this.kind === 'network') return true;
    if (this.kind === 'aborted') return false;
    const status = this.status ?? 0;
    return status === 429 || status === 423 || status === 477 || status >= 500;
  }

  /** Milliseconds HubSpot asked us to wait (Retry-After, seconds or HTTP date), if any. */
  retryAfterMs(now: number): number | null {
    const header = this.headers['retry-after'];
    if (!header) return null;
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(header);
    return Number.isNaN(at) ? null : Math.max(0, at - now);
  }
}

interface ApiExceptionLike {
  code: number;
  body: unknown;
  headers?: Record<string, string>;
  message: string;
}

function isApiException(error: unknown): error is ApiExceptionLike {
  return typeof error === 'object' && error !== null && typeof (error as ApiExceptionLike).code === 'number' && 'body' in error;
}

function parseBody(body: unknown): HubSpotErrorBody | null {
  if (body && typeof body === 'object') return body as HubSpotErrorBody;
  if (typeof body === 'string') {
    try {
      const parsed: unknown = JSON.parse(body);
      return parsed && typeof parsed === 'object' ? (parsed as HubSpotErrorBody) : { message: body };
    } catch {
      return body ? { message: body.slice(0, 500) } : null;
    }
  }
  return null;
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Turns anything a call threw into a HubSpotCallError. */
export function toHubSpotCallError(error: unknown, callerSignal?: AbortSignal): HubSpotCallError {
  if (error instanceof HubSpotCallError) return error;
  if (isApiException(error)) {
    const body = parseBody(error.body);
    const headers = Object.fromEntries(Object.entries(error.headers ?? {}).map(([key, value]) => [key.toLowerCase(), String(value)]));
    const message = body?.message ?? `HubSpot answered HTTP ${error.code}`;
    return new HubSpotCallError('http', error.code, message, body, headers, { cause: error });
  }
  const name = (error as { name?: string } | null)?.name;
  if (callerSignal?.aborted) return new HubSpotCallError('aborted', null, 'The request was cancelled (shutting down)', null, {}, { cause: error });
  if (name === 'TimeoutError') return new HubSpotCallError('timeout', null, 'HubSpot did not answer in time', null, {}, { cause: error });
  if (name === 'AbortError') return new HubSpotCallError('aborted', null, 'The request was aborted', null, {}, { cause: error });
  const code = errorCode(error);
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new HubSpotCallError('timeout', null, 'HubSpot did not answer in time', null, {}, { cause: error });
  }
  if ((code && NETWORK_CODES.has(code)) || error instanceof TypeError) {
    return new HubSpotCallError('network', null, `Network error talking to HubSpot${code ? ` (${code})` : ''}`, null, {}, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new HubSpotCallError('network', null, `Unexpected error talking to HubSpot: ${message}`, null, {}, { cause: error });
}
