import type { FetchLike, HeadersOption } from './types.js';

/**
 * The router refuses state-changing requests without this header (and a JSON content type):
 * a cross-site form post cannot set either, so together they stop CSRF without tokens.
 */
export const REQUESTED_WITH = 'jobcannon-hubspot-widget';

export interface RequestConfig {
  /** `baseUrl` without a trailing slash. */
  baseUrl: string;
  fetch?: FetchLike | undefined;
  headers?: HeadersOption | undefined;
  credentials?: RequestCredentials | undefined;
  signal?: AbortSignal | undefined;
}

/** A request that failed; `code` is the router's error code when it sent one. */
export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
  }
}

export async function request<T>(config: RequestConfig, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const extra = typeof config.headers === 'function' ? config.headers() : config.headers;
  // The fixed headers go last so a host's `headers` can add auth but never drop the CSRF guard.
  // (`set` on a Headers object, so a host's `x-requested-with` in any casing is replaced, not joined.)
  const headers = new Headers({ Accept: 'application/json', ...extra });
  if (method === 'POST') {
    headers.set('Content-Type', 'application/json');
    headers.set('X-Requested-With', REQUESTED_WITH);
  }
  // Called through a wrapper, not stored as a method: browsers throw "Illegal invocation" when the
  // global fetch runs with another `this`.
  const send: FetchLike = config.fetch ?? ((input, init) => globalThis.fetch(input, init));
  let response: Response;
  try {
    response = await send(`${config.baseUrl}${path}`, {
      method,
      headers,
      credentials: config.credentials ?? 'same-origin',
      body: method === 'POST' ? JSON.stringify(body ?? {}) : null,
      signal: config.signal ?? null,
    });
  } catch (cause) {
    if (config.signal?.aborted) throw cause;
    throw new RequestError('NETWORK_ERROR', cause instanceof Error ? cause.message : String(cause), 0);
  }
  let data: unknown = null;
  try {
    const text = await response.text();
    data = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page or a cut-off body: judged below by status and shape.
  }
  if (!response.ok) {
    const error = (data as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    throw new RequestError(
      typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`,
      typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`,
      response.status,
    );
  }
  if (data === null || typeof data !== 'object') throw new RequestError('BAD_RESPONSE', 'The server sent an unreadable answer.', response.status);
  return data as T;
}
