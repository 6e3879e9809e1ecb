// The JSON contract the router serves, copied from packages/core/src/integration/types.ts.
// Copied rather than imported: the widget ships to browsers and talks HTTP only, so it must not
// pull core (knex, pg, the HubSpot client) into a host's bundle, not even through a type-only path
// that a build tool might follow. Keep these in step with core when the contract changes.

export type ConnectionStatus = 'connected' | 'must_reconnect' | 'disconnected';
/** A connection's status, or `not_connected` when the org never connected. */
export type IntegrationStatus = ConnectionStatus | 'not_connected';

export interface PortalInfo {
  id: number;
  domain: string | null;
}

export interface LastError {
  code: string;
  message: string;
  /** What the admin should do about it, in plain language. */
  action: string | null;
  at: string;
}

export interface PropertyDrift {
  name: string;
  field: string;
  expected: unknown;
  actual: unknown;
}

export interface BootstrapReport {
  ok: boolean;
  groupCreated: boolean;
  created: string[];
  existing: string[];
  /** Properties still missing after the run; empty when ok. */
  missing: string[];
  drift: PropertyDrift[];
  checkedAt: string;
}

export interface QueueCounts {
  /** Waiting to be pushed (connected org). */
  pending: number;
  /** Kept with a reason; the admin can retry them. */
  failed: number;
  /** Waiting because the org must reconnect or disconnected. */
  held: number;
}

/** `GET {baseUrl}/status`. */
export interface IntegrationStatusReport {
  status: IntegrationStatus;
  portal: PortalInfo | null;
  connectedBy: string | null;
  connectedAt: string | null;
  lastSyncAt: string | null;
  lastError: LastError | null;
  queue: QueueCounts;
  bootstrap: Pick<BootstrapReport, 'ok' | 'missing' | 'drift' | 'checkedAt'> | null;
  /** True while rows are pending for a connected org (the widget polls while it is). */
  syncing: boolean;
}

export interface FailureItem {
  id: string;
  inviteId: string;
  email: string;
  reason: string;
  errorCode: string;
  attempts: number;
  failedAt: string;
}

/** `GET {baseUrl}/failures?limit=&cursor=`. */
export interface FailurePage {
  items: FailureItem[];
  total: number;
  nextCursor: string | null;
}

/** `POST {baseUrl}/failures/retry`. */
export interface RetryResult {
  retried: number;
}

/** `POST {baseUrl}/disconnect`. */
export interface DisconnectResult {
  status: 'disconnected';
}

/** Every non-2xx answer carries this body. */
export interface ErrorBody {
  error: { code: string; message: string };
}

// ---- Widget-side types (not part of the HTTP contract) ----

/** What the pill shows; also the `data-state` of the root and the pill. */
export type ViewState = 'connected' | 'not_connected' | 'must_reconnect' | 'syncing' | 'error';

/** The requests the hook makes; `status` is the status load (initial, poll or refresh). */
export type RequestName = 'status' | 'resync' | 'disconnect' | 'failures' | 'retry';

/** The control that fixes a problem, so a UI can point at (and emphasise) it. */
export type Fix = 'connect' | 'reconnect' | 'resync' | 'failures';

/** Something the admin should know about, in plain language, with what to do about it. */
export interface Problem {
  /** Stable id, e.g. `must_reconnect`, `properties_missing`, `failed`, or `error:<CODE>`. */
  id: string;
  message: string;
  action: string | null;
  fix: Fix | null;
}

/** A request that failed, described for people. */
export interface WidgetError {
  request: RequestName;
  /** The router's error code (`FORBIDDEN`, …), `NETWORK_ERROR`, `BAD_RESPONSE` or `HTTP_<status>`. */
  code: string;
  /** HTTP status, or 0 when the request never got an answer. */
  httpStatus: number;
  message: string;
}

export interface FailuresState {
  items: FailureItem[];
  total: number;
  nextCursor: string | null;
  loading: boolean;
  /** Whether a page was ever loaded (distinguishes "empty" from "not asked yet"). */
  loaded: boolean;
}

/** Anything `fetch`-shaped: the global one, a wrapped one adding auth, or a test double. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Extra request headers, or a function read before each request (for rotating tokens). */
export type HeadersOption = Record<string, string> | (() => Record<string, string>);
