// The JSON contract the router serves, copied from packages/core/src/integration/types.ts.
// Copied rather than imported: the widget ships to browsers and talks HTTP only, so it must not
// pull core (knex, pg, the HubSpot client) into a host's bundle, not even through a type-only path
// that a build tool might follow. Keep these in step with core when the contract changes
// (src/test-support/contract-types.ts fails the typecheck when they drift).
import type { ERROR_CODE_NAMES, WIDGET_ERROR_CODES } from './error-codes.js';

/** Every code the kit stores, returns or renders (core's `keyof typeof ERROR_CODES`). */
export type HubSpotKitErrorCode = (typeof ERROR_CODE_NAMES)[number];

/**
 * Structured facts about a failure (core's `ErrorDetails`). Never prose for an admin: the
 * widget's messages table words them; `hubspotMessage` is HubSpot's own text, verbatim.
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

export type ConnectionStatus = 'connected' | 'must_reconnect' | 'disconnected';
/** A connection's status, or `not_connected` when the org never connected. */
export type IntegrationStatus = ConnectionStatus | 'not_connected';

export interface PortalInfo {
  id: number;
  domain: string | null;
}

/** The connection's current problem: a code and facts; the messages table words it. */
export interface LastError {
  code: HubSpotKitErrorCode;
  details: ErrorDetails;
  /** Whether the kit keeps trying by itself (true) or needs someone to act (false). */
  retryable: boolean;
  at: string;
}

export interface PropertyDrift {
  name: string;
  field: string;
  expected: unknown;
  actual: unknown;
  /** `info`: label, description or group (nothing to fix); `warning`: type, field type or options (some writes fail). */
  severity: 'info' | 'warning';
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
  /** Kept with a reason (the admin retries or dismisses them); the same count the failures list totals. */
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
  bootstrap: Pick<BootstrapReport, 'ok' | 'missing' | 'drift' | 'checkedAt' | 'created' | 'groupCreated'> | null;
  /** True while rows are pending for a connected org (the widget polls while it is). */
  syncing: boolean;
  /** The property setup after a connect runs in the background: its progress while it runs. */
  setup: SetupProgress | null;
  /** What the signed-in user may do (the router fills it from its `isAdmin`). */
  permissions: { manage: boolean };
  /** Candidates whose results are on a HubSpot contact. */
  contactsSynced: number;
  /** The last pushes (newest first, at most 20), each with a link to the contact in HubSpot. */
  recentPushes: RecentPush[];
  /** Links into the connected portal (null when not connected). */
  links: { propertyGroup: string } | null;
  /** Other organizations connected to the same portal (each writes its own candidates there). */
  sharedWith: number;
  /** The backfill of past results, when there is one. */
  backfill: BackfillStatus | null;
  /**
   * The portal's daily error budget: error answers / requests over 24 h (every process; null with
   * too few requests). Above 2 % the kit sends at half rate (`lowered`) until it recovers.
   */
  errorBudget: { ratio: number | null; lowered: boolean } | null;
}

export interface SetupProgress {
  state: 'running' | 'done' | 'failed';
  /** Properties checked or created so far, of `total` (the group counts as none). */
  done: number;
  total: number;
}

export interface RecentPush {
  inviteId: string;
  email: string;
  outcome: 'created' | 'updated';
  contactId: string | null;
  /** The contact's page in HubSpot (portal's record URL), or null without a contact id. */
  contactUrl: string | null;
  at: string;
}

export interface BackfillStatus {
  state: 'offered' | 'running' | 'cancelled' | 'done' | 'failed';
  /** Past results the host counted (null until counted). */
  total: number | null;
  /** Read from the host's source and queued so far. */
  enqueued: number;
  /** Of the backfilled candidates: on HubSpot, failed, still waiting. */
  pushed: number;
  failed: number;
  pending: number;
  /** Backfilled contacts per second over the last minute, and the estimated end (null when unknown). */
  ratePerSecond: number | null;
  etaAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** One result kept with its reason. `code` and `details` say what happened; the widget words it. */
export interface FailureItem {
  id: string;
  inviteId: string;
  email: string;
  code: HubSpotKitErrorCode;
  details: ErrorDetails;
  /** Whether Retry can help (a transient cause); false = the invite itself must be corrected. */
  retryable: boolean;
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

/** `POST {baseUrl}/failures/dismiss`. */
export interface DismissResult {
  dismissed: number;
}

/** `POST {baseUrl}/sync`. */
export interface SyncResult {
  pending: number;
}

/** `POST {baseUrl}/disconnect`. */
export interface DisconnectResult {
  status: 'disconnected';
}

/** Every non-2xx answer carries this body. */
export interface ErrorBody {
  error: { code: HubSpotKitErrorCode; message: string };
}

// ---- Widget-side types (not part of the HTTP contract) ----

/** What the pill shows; also the `data-state` of the root and the pill. */
export type ViewState = 'connected' | 'not_connected' | 'must_reconnect' | 'syncing' | 'error';

/** The requests the hook makes; `status` is the status load (initial, poll or refresh). */
export type RequestName = 'status' | 'connect' | 'resync' | 'disconnect' | 'failures' | 'retry' | 'dismiss' | 'sync' | 'backfill';

/** Codes the widget gives requests that got no kit answer (`UNKNOWN_ERROR`: an unrecognised code or a bare HTTP error). */
export type WidgetErrorCode = (typeof WIDGET_ERROR_CODES)[number];

/** The control that fixes a problem, so a UI can point at (and emphasise) it. */
export type Fix = 'connect' | 'reconnect' | 'resync' | 'failures';

/** Something the admin should know about, in plain language, with what to do about it. */
export interface Problem {
  /** Stable id, e.g. `must_reconnect`, `properties_missing`, `failed`, or `error:<CODE>`. */
  id: string;
  message: string;
  action: string | null;
  /** "HubSpot said: …", HubSpot's own words cleaned of JSON and cut short, or null. */
  hubspotSaid: string | null;
  fix: Fix | null;
  /** When it happened (the connection's `lastError.at`), or null. */
  at: string | null;
}

/** A request that failed, described for people. */
export interface WidgetError {
  request: RequestName;
  /**
   * The router's error code (`FORBIDDEN`, …), `NETWORK_ERROR`, `BAD_RESPONSE`, or `UNKNOWN_ERROR`
   * for a code the widget does not know (or an error page without one).
   */
  code: HubSpotKitErrorCode | WidgetErrorCode;
  /** HTTP status, or 0 when the request never got an answer. */
  httpStatus: number;
  /** From the messages table: what happened and what to do. Never the server's own text. */
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
