import type { Knex } from 'knex';
import type { AssessmentInvite } from '../mapping/assessment-invite.js';
import type { MergePolicy } from '../mapping/map-invite.js';
import type { ErrorDetails, HubSpotKitErrorCode } from '../errors.js';
import type { MetricsOptions, MetricsSnapshot } from '../metrics/kit-metrics.js';
import type { Clock, Fetch, Logger, Notifier, Random, Sleep } from '../ports/ports.js';

export type { MetricsOptions, MetricsSnapshot } from '../metrics/kit-metrics.js';

/** The scopes JobCannon asks for (hubspot-setup.md, step 1); a connection lacking one is refused. */
export const REQUIRED_SCOPES = [
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
] as const;

export type ConnectionStatus = 'connected' | 'must_reconnect' | 'disconnected';
/** What the widget shows: a connection's status, or `not_connected` when the org never connected. */
export type IntegrationStatus = ConnectionStatus | 'not_connected';

export interface EncryptionKeyring {
  /** The key id new ciphertexts are written with. */
  currentKeyId: string;
  /** Key id -> 32-byte key (base64 string or Buffer). Old ids stay so old rows still decrypt. */
  keys: Record<string, string | Uint8Array>;
}

export interface HubSpotAppOptions {
  clientId: string;
  clientSecret: string;
  /** Must match the app's configured redirect URL exactly. */
  redirectUri: string;
  /** CRM and OAuth token API base. Default https://api.hubapi.com. */
  apiBase?: string;
  /** Where the consent page lives. Default https://app.hubspot.com. */
  authBase?: string;
  /** Optional scopes requested on top of the required ones. */
  optionalScopes?: string[];
}

export interface RateLimitOptions {
  /** Requests per interval a new connection may send until HubSpot's headers say otherwise. Default 100. */
  maxRequests?: number;
  /** Default 10,000 ms (HubSpot's rolling window). */
  intervalMs?: number;
}

export interface RetryOptions {
  /** Attempts one delivery pass makes before handing a row back to the queue (setup doc: 6). */
  maxAttempts?: number;
  /** First in-pass backoff step. Default 1,000 ms. */
  baseDelayMs?: number;
  /** In-pass backoff ceiling. Default 1 minute. */
  maxDelayMs?: number;
  /**
   * How long transient trouble (429, 5xx, outages) may go on before a row fails for good, with its
   * history. Default 72 hours; between passes the delay grows up to hourly.
   */
  horizonMs?: number;
}

export interface HubSpotIntegrationOptions {
  /** The host's knex instance (PostgreSQL via `pg`, or PGlite via `knex-pglite`). Core never creates one. */
  db: Knex;
  hubspot: HubSpotAppOptions;
  encryption: EncryptionKeyring;
  /** JobCannon dashboard origin; `jc_result_url` hangs off it. */
  resultUrlBase: string;
  /**
   * What a push does with tests the invite has no result for (score-mapping.md): `latest-per-test`
   * (default) leaves HubSpot's earlier values, so each test shows its latest result; `replace`
   * clears them, so a Contact shows exactly one invite's state.
   */
  mergePolicy?: MergePolicy;
  /** Also send the candidate's `firstname` / `lastname` when the invite has them. Default false. */
  contactNames?: boolean;
  /**
   * A portal another organization already uses (two JobCannon customers, one HubSpot account):
   * `confirm` (default) asks the admin first (PORTAL_SHARED, then connect with `allowSharedPortal`),
   * `allow` connects without asking, `refuse` never connects it (PORTAL_IN_USE). Disconnecting one
   * org never uninstalls the app while another org still uses the portal.
   */
  sharedPortals?: 'confirm' | 'allow' | 'refuse';
  /**
   * The org's past (completed) results, for the backfill after a first connect. `mode`: `offered`
   * (default when a source is given: the admin is asked "Send N past results?"), `automatic`
   * (starts by itself after the first connect), `off`.
   */
  backfill?: { source: CompletedInviteSource; mode?: 'automatic' | 'offered' | 'off' };
  rateLimit?: RateLimitOptions;
  retry?: RetryOptions;
  /** How long a worker owns claimed rows before another may reclaim them. Default 60 s. */
  leaseMs?: number;
  /** Push as soon as an invite is enqueued (the setup doc's promise). Default true. */
  pushOnEnqueue?: boolean;
  /** Days of sync log kept. Default 30. */
  syncLogRetentionDays?: number;
  /** OAuth state lifetime. Default 10 minutes. */
  oauthStateTtlMs?: number;
  /** Refresh access tokens this long before they expire. Default 5 minutes. */
  refreshAheadMs?: number;
  /** Per-request timeout towards HubSpot. Default 30 s. */
  requestTimeoutMs?: number;
  /** A name for this process in leases and logs. Default a random id. */
  workerId?: string;
  clock?: Clock;
  sleep?: Sleep;
  random?: Random;
  /**
   * The kit's port (`info(message, fields)`), or a pino logger as it is (detected and adapted: see
   * `fromPino`). Either way the kit's lines carry no token or secret, and no candidate email above
   * debug.
   */
  logger?: Logger;
  notifier?: Notifier;
  fetch?: Fetch;
  /**
   * Where metrics and spans go. By default the global `@opentelemetry/api` providers: a no-op
   * until the host registers an OpenTelemetry SDK. `integration.metrics()` works either way.
   */
  metrics?: MetricsOptions;
}

export interface PortalInfo {
  id: number;
  domain: string | null;
}

/**
 * The connection's current problem. A code and facts only: the widget's messages table words it
 * for the admin (and a host may translate that table).
 */
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
  /** Properties still missing after the run (e.g. creation failed); empty when ok. */
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

/** The `/status` contract the router serves and the widget renders. */
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

/**
 * The host's completed invites of an org, for the backfill: a count (for the offer and the
 * progress bar) and pages from a resumable cursor (null = from the start). The kit persists each
 * page's `nextCursor` after queueing the page, so a crash resumes at the page that was in flight.
 */
export interface CompletedInviteSource {
  count(orgId: string): Promise<number>;
  pages(orgId: string, cursor: string | null): AsyncIterable<{ invites: AssessmentInvite[]; nextCursor: string | null }>;
}

export interface BackfillRunResult {
  /** False when another process is running this org's backfill (it runs once per org at a time). */
  ran: boolean;
  state: BackfillStatus['state'];
  enqueued: number;
  skipped: number;
  invalid: number;
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

export interface ConnectUrlOptions {
  orgId: string;
  userId: string;
  /** The admin has confirmed that connecting a different portal than before is intended. */
  allowPortalChange?: boolean;
  /** The admin has confirmed connecting a portal another organization already uses (`sharedPortals: 'confirm'`). */
  allowSharedPortal?: boolean;
  /**
   * A random value (at least 22 characters, e.g. 32 random bytes in base64url) the host keeps in
   * the starting browser only (an HttpOnly cookie) and passes back to `completeOAuth`. Its hash is
   * bound to the state, so a consent link finished in another browser is refused.
   */
  browserNonce: string;
}

export interface CompleteOAuthInput {
  code?: string | null;
  state?: string | null;
  /** HubSpot's `error` parameter when the user denied consent. */
  error?: string | null;
  errorDescription?: string | null;
  /**
   * The org and user signed in where the callback arrived (null when nobody is; required in
   * effect: a callback without them is refused). The state is
   * spent first, then refused before any code exchange unless both match whoever started it:
   * OAUTH_ORG_MISMATCH, OAUTH_USER_MISMATCH, or UNAUTHENTICATED when either is missing. Nobody
   * can connect an org by getting someone else to approve its consent link.
   */
  expectedOrgId?: string | null;
  expectedUserId?: string | null;
  /** The nonce given to `connectUrl`, read back from the browser (its cookie); missing or another: OAUTH_BROWSER_MISMATCH. */
  browserNonce?: string | null;
}

export interface CompleteOAuthResult {
  orgId: string;
  userId: string;
  portal: PortalInfo;
  reconnected: boolean;
  /**
   * The property setup, running in the background (the callback answers at once): resolves with
   * its report, or with a not-ok report when it failed (the connection's problem says why). Never rejects.
   */
  setup: Promise<BootstrapReport>;
}

export type EnqueueOutcome =
  | { queued: true; rowId: string; snapshot: 'completed' | 'partial' }
  | { queued: false; reason: 'stale' | 'partial_after_completed' }
  /** Kept as a failure of its own (`rowId` is its failure id); a valid snapshot of the candidate is untouched. */
  | { queued: true; rowId: string; snapshot: 'completed' | 'partial'; failed: { code: HubSpotKitErrorCode; message: string; details: ErrorDetails } };

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

export interface FailurePage {
  items: FailureItem[];
  total: number;
  nextCursor: string | null;
}

export interface DrainResult {
  pushed: number;
  created: number;
  updated: number;
  failed: number;
  /** Rows rescheduled by backoff. */
  retried: number;
  /** Rows skipped because their org must reconnect. */
  held: number;
  batches: number;
}

export interface DrainOptions {
  signal?: AbortSignal;
  /** Stop after this many rows (default: until nothing is due). */
  maxRows?: number;
  /** Only this org. */
  orgId?: string;
  onBatch?: (progress: DrainResult) => void;
}

/** One page of a host's in-progress invites for an org, or an async iterator yielding them. */
export type InProgressInviteSource = (orgId: string) => AsyncIterable<AssessmentInvite | AssessmentInvite[]>;

export interface SweepPartialsOptions {
  signal?: AbortSignal;
  dryRun?: boolean;
  onProgress?: (progress: { orgId: string; seen: number; enqueued: number; skipped: number }) => void;
}

export interface SweepPartialsResult {
  orgs: number;
  seen: number;
  enqueued: number;
  /** Not enqueued because a completed (or newer) snapshot already exists. */
  skipped: number;
  invalid: number;
}

export interface WebhookEvent {
  eventId: number | string;
  subscriptionId?: number;
  portalId: number;
  appId?: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber?: number;
  objectId: number | string;
  changeSource?: string;
  [key: string]: unknown;
}

/** A webhook delivery as an adapter received it. `url` is the full public URL HubSpot called. */
export interface WebhookRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Uint8Array | string;
}

/** What the adapter answers HubSpot with. */
export interface WebhookResponse {
  status: number;
  headers?: Record<string, string>;
  body: WebhookHandlingResult | { error: { code: HubSpotKitErrorCode; message: string } };
}

export interface WebhookHandlingResult {
  received: number;
  processed: number;
  duplicates: number;
  purgedRows: number;
}

export interface SyncLogItem {
  inviteId: string;
  email: string;
  outcome: 'created' | 'updated' | 'failed' | 'retry';
  hubspotContactId: string | null;
  errorCode: HubSpotKitErrorCode | null;
  errorDetails: ErrorDetails | null;
  correlationId: string | null;
  attempt: number;
  at: string;
}

export interface ReencryptTokensOptions {
  /** Stops between connections (the ones done stay done). */
  signal?: AbortSignal;
}

/** What `reencryptTokens()` did, per connection row holding tokens. */
export interface ReencryptTokensReport {
  scanned: number;
  /** Rewritten under the keyring's current key id. */
  reencrypted: number;
  /** Already under the current key id (and decrypting). */
  alreadyCurrent: number;
  /** A token no key in the keyring opens: left as it was (logged with its key id). */
  failed: number;
}

/** The one object the router, widget API, sweep and host use. */
export interface HubSpotIntegration {
  migrate(): Promise<void>;
  enqueue(invite: AssessmentInvite, trx?: Knex.Transaction): Promise<EnqueueOutcome>;
  connectUrl(options: ConnectUrlOptions): Promise<string>;
  completeOAuth(input: CompleteOAuthInput): Promise<CompleteOAuthResult>;
  /** `viewer.manage`: whether the signed-in user may manage the integration (default false). */
  status(orgId: string, viewer?: { manage: boolean }): Promise<IntegrationStatusReport>;
  /** Pushes what is waiting now (admins' Sync now): returns how many results are queued. */
  syncNow(orgId: string): Promise<{ pending: number }>;
  /**
   * Starts (or resumes) sending the org's past results (needs `backfill.source`): in the background,
   * or with `inBackground: false` only marked running, for a foreground `runBackfill` (the CLI).
   */
  startBackfill(orgId: string, options?: { inBackground?: boolean }): Promise<BackfillStatus>;
  /** Stops the org's backfill after the page in flight; what was queued still goes out. */
  cancelBackfill(orgId: string): Promise<BackfillStatus>;
  /**
   * Runs the org's backfill in the foreground (the CLI, the periodic job) from its persisted cursor,
   * once per org across processes. `onProgress` after every page.
   */
  runBackfill(orgId: string, options?: { signal?: AbortSignal; onProgress?: (status: BackfillStatus) => void }): Promise<BackfillRunResult>;
  resync(orgId: string): Promise<BootstrapReport>;
  disconnect(orgId: string): Promise<void>;
  failures(orgId: string, page?: { limit?: number; cursor?: string | null }): Promise<FailurePage>;
  /** Re-queues failed results a retry can help (all, or those of `ids`, at most 1,000). */
  retryFailed(orgId: string, ids?: string[]): Promise<{ retried: number }>;
  /** Takes failures off the list (at most 1,000 ids): the admin decided not to fix them. */
  dismissFailures(orgId: string, ids: string[]): Promise<{ dismissed: number }>;
  drain(options?: DrainOptions): Promise<DrainResult>;
  reclaimExpiredLeases(): Promise<number>;
  /**
   * Housekeeping for the periodic job: reclaims expired leases, checks idle connections (an
   * uninstall shows as must_reconnect within one cycle; tokens the keys cannot decrypt are reported
   * once), and prunes old sync log, OAuth states and webhook ids.
   */
  maintain(): Promise<{ reclaimed: number; prunedSyncLog: number; connections: { checked: number; mustReconnect: number; unreadable: number }; backfillsResumed: number }>;
  /** The sync log of an org, newest first (for admins and support; never contains tokens). */
  syncLog(orgId: string, options?: { limit?: number; inviteId?: string }): Promise<SyncLogItem[]>;
  sweepPartials(source: InProgressInviteSource, options?: SweepPartialsOptions): Promise<SweepPartialsResult>;
  /** Orgs whose connection is `connected`. */
  connectedOrgIds(): Promise<string[]>;
  /**
   * Runs `task` only if no other process holds the named lock (PostgreSQL advisory lock; an
   * in-process lock on single-connection PGlite). Returns whether it ran. The task's `lockSignal`
   * aborts if the lock's database session dies meanwhile (another process may then take it):
   * stop after the current batch; the result then says `lockLost: true`.
   */
  runExclusive<T>(lockName: string, task: (lockSignal: AbortSignal) => Promise<T>): Promise<{ ran: true; result: T; lockLost: boolean } | { ran: false }>;
  /**
   * One HubSpot webhook delivery, as it arrived: verifies the v3 signature over the raw body,
   * parses the events, dedupes them and acts (privacy deletions purge local data). Adapters pass
   * the request through and send back what it returns; the client secret never leaves core.
   */
  handleWebhook(request: WebhookRequest): Promise<WebhookResponse>;
  /**
   * After a key rotation: re-encrypts every stored token under `encryption.currentKeyId` (old
   * keys must still be in the keyring to read them). Safe to run while workers run, and again.
   */
  reencryptTokens(options?: ReencryptTokensOptions): Promise<ReencryptTokensReport>;
  /**
   * The figures the OpenTelemetry instruments publish, as plain JSON: counters since this object
   * was created (this process), gauges (outbox rows by state, oldest due row) read now.
   */
  metrics(): Promise<MetricsSnapshot>;
  /** Stops timers and in-flight pushes; does not close the host's database. */
  close(): Promise<void>;
}
