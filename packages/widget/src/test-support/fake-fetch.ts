// A fetch double for component tests: answers by "METHOD /path" and records every request
// (method, path, query, headers, body, credentials) so tests can assert what went over the wire.
import type { ErrorDetails, FailureItem, FetchLike, HubSpotKitErrorCode, IntegrationStatusReport, LastError } from '../types.js';

export interface RecordedRequest {
  method: string;
  url: string;
  /** Path below the base URL, without the query. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

/** An answer: a JSON body with a status (default 200), a raw text body, or an error to throw. */
export type Reply = { status?: number; body?: unknown; text?: string } | Error;
export type Route = Reply | ((request: RecordedRequest) => Reply | Promise<Reply>);

export const BASE_URL = '/integrations/hubspot';

export interface FakeFetch {
  fetch: FetchLike;
  requests: RecordedRequest[];
  /** Requests for one route, e.g. `calls('GET /status')`. */
  calls(key: string): RecordedRequest[];
  /** Replaces (or adds) a route's answer. */
  on(key: string, route: Route): void;
  /** Answers the route with each reply in turn, then keeps repeating the last one. */
  sequence(key: string, replies: Reply[]): void;
}

export function createFakeFetch(routes: Record<string, Route> = {}, base = BASE_URL): FakeFetch {
  const table = new Map(Object.entries(routes));
  const requests: RecordedRequest[] = [];
  const fetch: FetchLike = async (input, init) => {
    const url = new URL(input, 'http://widget.test');
    const headers: Record<string, string> = {};
    // Lower-cased here: happy-dom's Headers keeps the caller's casing when iterating, real ones do not.
    new Headers(init.headers).forEach((value, name) => (headers[name.toLowerCase()] = value));
    const recorded: RecordedRequest = {
      method: init.method ?? 'GET',
      url: input,
      path: url.pathname.startsWith(base) ? url.pathname.slice(base.length) : url.pathname,
      query: url.searchParams,
      headers,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : init.body,
      credentials: init.credentials,
    };
    requests.push(recorded);
    const route = table.get(`${recorded.method} ${recorded.path}`);
    if (route === undefined) return new Response(JSON.stringify({ error: { code: 'NOT_FOUND', message: `no route ${recorded.method} ${recorded.path}` } }), { status: 404 });
    const reply = typeof route === 'function' ? await route(recorded) : route;
    if (reply instanceof Error) throw reply;
    const status = reply.status ?? 200;
    return new Response(reply.text ?? JSON.stringify(reply.body ?? {}), { status, headers: { 'Content-Type': 'application/json' } });
  };
  return {
    fetch,
    requests,
    calls: (key) => requests.filter((request) => `${request.method} ${request.path}` === key),
    on: (key, route) => table.set(key, route),
    sequence: (key, replies) => {
      let index = 0;
      table.set(key, () => replies[Math.min(index++, replies.length - 1)]!);
    },
  };
}

/** A healthy connected org, overridable field by field. */
export function statusReport(overrides: Partial<IntegrationStatusReport> = {}): IntegrationStatusReport {
  return {
    status: 'connected',
    portal: { id: 4_412_345, domain: 'acme.hubspot.com' },
    connectedBy: 'rita@acme.test',
    connectedAt: '2026-05-01T09:00:00.000Z',
    lastSyncAt: '2026-05-04T11:57:00.000Z',
    lastError: null,
    queue: { pending: 0, failed: 0, held: 0 },
    bootstrap: { ok: true, missing: [], drift: [], checkedAt: '2026-05-01T09:00:05.000Z', created: [], groupCreated: false },
    syncing: false,
    setup: null,
    // An admin unless a test says otherwise (members: `permissions: { manage: false }`).
    permissions: { manage: true },
    contactsSynced: 0,
    recentPushes: [],
    links: null,
    sharedWith: 0,
    backfill: null,
    errorBudget: null,
    ...overrides,
  };
}

export const notConnectedReport = (): IntegrationStatusReport =>
  statusReport({ status: 'not_connected', portal: null, connectedBy: null, connectedAt: null, lastSyncAt: null, bootstrap: null });

/** A bootstrap report as the status carries it, overridable field by field. */
export const bootstrapReport = (overrides: Partial<NonNullable<IntegrationStatusReport['bootstrap']>> = {}): NonNullable<IntegrationStatusReport['bootstrap']> => ({
  ok: true,
  missing: [],
  drift: [],
  checkedAt: '2026-05-01T09:00:05.000Z',
  created: [],
  groupCreated: false,
  ...overrides,
});

/** A connection's last error as core reports it: a code and facts, no words. */
export const lastError = (code: HubSpotKitErrorCode, details: ErrorDetails = {}, retryable = false): LastError => ({
  code,
  details,
  retryable,
  at: '2026-05-04T11:58:00.000Z',
});

/** A failed result as core lists it (a non-retryable refused email unless overridden). */
export function failureItem(n: number, overrides: Partial<FailureItem> = {}): FailureItem {
  return {
    id: `f${n}`,
    inviteId: `inv_${n}`,
    email: `candidate${n}@example.com`,
    code: 'HUBSPOT_INVALID_EMAIL',
    details: { email: `candidate${n}@example.com` },
    retryable: false,
    attempts: 1,
    failedAt: '2026-05-04T10:00:00.000Z',
    ...overrides,
  };
}

/** "now" in tests: three minutes after the fixture's last sync. */
export const NOW = Date.parse('2026-05-04T12:00:00.000Z');
