/**
 * The one place where snake_case rows become camelCase domain objects and back.
 *
 * Both drivers core runs on hand rows back slightly differently: `pg` returns bigint / count(*) as
 * strings, PGlite as numbers; `pg` parses jsonb, and a value written as text may come back as a
 * string elsewhere. Every mapper therefore normalises: ids (bigserial) are strings, portal ids and
 * counters are numbers, times are `Date`, jsonb is parsed.
 */
import { toErrorCode, type ErrorDetails, type HubSpotKitErrorCode } from '../errors.js';
import type { BootstrapReport, ConnectionStatus, SetupProgress } from '../integration/types.js';
import type { CarriedTest } from '../mapping/map-invite.js';

export type OutboxStatus = 'pending' | 'failed' | 'done' | 'dismissed';
export type SnapshotKind = 'completed' | 'partial';
export type SyncOutcome = 'created' | 'updated' | 'failed' | 'retry';

/** A database value the drivers may return for a bigint or count. */
type DbInteger = string | number | bigint;
/** A database value the drivers may return for a timestamptz. */
type DbTime = Date | string;

// ---------------------------------------------------------------------------------------------
// Connections

export interface ConnectionRow {
  org_id: string;
  portal_id: DbInteger;
  portal_domain: string | null;
  installed_by_user_id: string;
  installed_by_email: string | null;
  scopes: unknown;
  access_token_enc: string | null;
  refresh_token_enc: string | null;
  access_expires_at: DbTime | null;
  status: ConnectionStatus;
  rate_limit_max: DbInteger | null;
  connected_at: DbTime;
  last_sync_at: DbTime | null;
  last_error_code: string | null;
  last_error_message: string | null;
  last_error_details: unknown;
  last_error_at: DbTime | null;
  refresh_failures: DbInteger;
  refresh_retry_at: DbTime | null;
  setup?: unknown;
  bootstrap: unknown;
  alerted_at: DbTime | null;
  created_at: DbTime;
  updated_at: DbTime;
}

/** One org's HubSpot connection. Tokens stay encrypted here; the token keeper decrypts them. */
export interface Connection {
  orgId: string;
  portalId: number;
  portalDomain: string | null;
  /** The JobCannon user who connected. */
  installedByUserId: string;
  /** The HubSpot user who granted consent. */
  installedByEmail: string | null;
  scopes: string[];
  /** Null once disconnected: tokens are wiped, not kept around. */
  accessTokenEnc: string | null;
  refreshTokenEnc: string | null;
  accessExpiresAt: Date | null;
  status: ConnectionStatus;
  /** Requests per 10 s learned from HubSpot's headers; null until seen. */
  rateLimitMax: number | null;
  connectedAt: Date;
  lastSyncAt: Date | null;
  lastErrorCode: HubSpotKitErrorCode | null;
  /** Technical text for logs and support; never shown to an admin as is. */
  lastErrorMessage: string | null;
  lastErrorDetails: ErrorDetails | null;
  lastErrorAt: Date | null;
  /** Consecutive transient refresh failures (token endpoint down), and when to try again. */
  refreshFailures: number;
  refreshRetryAt: Date | null;
  /** The property setup's progress after a connect (it runs in the background). */
  setup: SetupProgress | null;
  /** The last bootstrap report. */
  bootstrap: BootstrapReport | null;
  /** When the must_reconnect alert went out (it goes out once). */
  alertedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

type ConnectionOptionalField =
  | 'portalDomain'
  | 'installedByEmail'
  | 'rateLimitMax'
  | 'lastSyncAt'
  | 'lastErrorCode'
  | 'lastErrorMessage'
  | 'lastErrorDetails'
  | 'lastErrorAt'
  | 'refreshFailures'
  | 'refreshRetryAt'
  | 'setup'
  | 'bootstrap'
  | 'alertedAt';

/** What `saveConnection` takes: the row as a whole; omitted optional fields are stored as null. */
export type ConnectionInput = Omit<Connection, 'createdAt' | 'updatedAt' | ConnectionOptionalField> &
  Partial<Pick<Connection, ConnectionOptionalField>>;

/** What `updateConnection` takes: only the given fields change. */
export type ConnectionPatch = Partial<Omit<Connection, 'orgId' | 'createdAt' | 'updatedAt'>>;

const CONNECTION_COLUMNS = {
  portalId: 'portal_id',
  portalDomain: 'portal_domain',
  installedByUserId: 'installed_by_user_id',
  installedByEmail: 'installed_by_email',
  scopes: 'scopes',
  accessTokenEnc: 'access_token_enc',
  refreshTokenEnc: 'refresh_token_enc',
  accessExpiresAt: 'access_expires_at',
  status: 'status',
  rateLimitMax: 'rate_limit_max',
  connectedAt: 'connected_at',
  lastSyncAt: 'last_sync_at',
  lastErrorCode: 'last_error_code',
  lastErrorMessage: 'last_error_message',
  lastErrorDetails: 'last_error_details',
  lastErrorAt: 'last_error_at',
  refreshFailures: 'refresh_failures',
  refreshRetryAt: 'refresh_retry_at',
  setup: 'setup',
  bootstrap: 'bootstrap',
  alertedAt: 'alerted_at',
} as const satisfies Record<keyof ConnectionPatch, keyof ConnectionRow>;

const JSON_CONNECTION_FIELDS: ReadonlySet<keyof ConnectionPatch> = new Set(['scopes', 'bootstrap', 'lastErrorDetails', 'setup']);

export function toConnection(row: ConnectionRow): Connection {
  return {
    orgId: row.org_id,
    portalId: toNumber(row.portal_id),
    portalDomain: row.portal_domain,
    installedByUserId: row.installed_by_user_id,
    installedByEmail: row.installed_by_email,
    scopes: parseStringArray(row.scopes),
    accessTokenEnc: row.access_token_enc,
    refreshTokenEnc: row.refresh_token_enc,
    accessExpiresAt: toDateOrNull(row.access_expires_at),
    status: row.status,
    rateLimitMax: row.rate_limit_max === null ? null : toNumber(row.rate_limit_max),
    connectedAt: toDate(row.connected_at),
    lastSyncAt: toDateOrNull(row.last_sync_at),
    lastErrorCode: row.last_error_code === null ? null : toErrorCode(row.last_error_code),
    lastErrorMessage: row.last_error_message,
    lastErrorDetails: row.last_error_details == null ? null : ((parseJson(row.last_error_details) ?? null) as ErrorDetails | null),
    lastErrorAt: toDateOrNull(row.last_error_at),
    refreshFailures: toNumber(row.refresh_failures ?? 0),
    refreshRetryAt: toDateOrNull(row.refresh_retry_at),
    setup: row.setup == null ? null : ((parseJson(row.setup) ?? null) as SetupProgress | null),
    bootstrap: (parseJson(row.bootstrap) ?? null) as BootstrapReport | null,
    alertedAt: toDateOrNull(row.alerted_at),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

/** The full insert row for `saveConnection`; jsonb columns are sent as JSON text. */
export function connectionInputToRow(input: ConnectionInput, now: Date): Record<string, unknown> {
  const full: ConnectionPatch = {
    portalDomain: null,
    installedByEmail: null,
    rateLimitMax: null,
    lastSyncAt: null,
    lastErrorCode: null,
    lastErrorMessage: null,
    lastErrorDetails: null,
    lastErrorAt: null,
    refreshFailures: 0,
    refreshRetryAt: null,
    setup: null,
    bootstrap: null,
    alertedAt: null,
    ...withoutUndefined(input),
  };
  return { org_id: input.orgId, ...connectionPatchToRow(full), created_at: now, updated_at: now };
}

/** Only the fields present in `patch` (undefined means "leave alone", null means "clear"). */
export function connectionPatchToRow(patch: ConnectionPatch): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(CONNECTION_COLUMNS) as Array<[keyof ConnectionPatch, string]>) {
    const value = patch[field];
    if (value === undefined) continue;
    row[column] = JSON_CONNECTION_FIELDS.has(field) && value !== null ? JSON.stringify(value) : value;
  }
  return row;
}

// ---------------------------------------------------------------------------------------------
// OAuth states

export interface OAuthStateRow {
  state_hash: string;
  org_id: string;
  user_id: string;
  allow_portal_change: boolean;
  allow_shared_portal?: boolean;
  created_at: DbTime;
  expires_at: DbTime;
  used_at: DbTime | null;
}

export interface OAuthState {
  /** sha256 of the state sent to HubSpot; the raw state is never stored. */
  stateHash: string;
  orgId: string;
  userId: string;
  allowPortalChange: boolean;
  allowSharedPortal: boolean;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export function toOAuthState(row: OAuthStateRow): OAuthState {
  return {
    stateHash: row.state_hash,
    orgId: row.org_id,
    userId: row.user_id,
    allowPortalChange: Boolean(row.allow_portal_change),
    allowSharedPortal: Boolean(row.allow_shared_portal),
    createdAt: toDate(row.created_at),
    expiresAt: toDate(row.expires_at),
    usedAt: toDateOrNull(row.used_at),
  };
}

// ---------------------------------------------------------------------------------------------
// Outbox

export interface OutboxDbRow {
  id: DbInteger;
  org_id: string;
  email: string;
  invite_id: string;
  snapshot: SnapshotKind;
  invite_updated_at: DbTime;
  payload: unknown;
  status: OutboxStatus;
  version: DbInteger;
  attempts: DbInteger;
  next_attempt_at: DbTime;
  lease_owner: string | null;
  lease_expires_at: DbTime | null;
  last_error_code: string | null;
  last_error_message: string | null;
  last_error_details: unknown;
  failing_since: DbTime | null;
  verify_at: DbTime | null;
  carried: unknown;
  priority: DbInteger;
  hubspot_contact_id: string | null;
  pushed_at: DbTime | null;
  enqueued_at: DbTime;
  created_at: DbTime;
  updated_at: DbTime;
}

/** The latest snapshot of one candidate (org + normalized email) waiting for, or done with, HubSpot. */
export interface OutboxRow {
  /** bigserial, as a decimal string (it may exceed 2^53). */
  id: string;
  orgId: string;
  email: string;
  inviteId: string;
  snapshot: SnapshotKind;
  inviteUpdatedAt: Date;
  /** The invite exactly as the host gave it (validated again by the dispatcher). */
  payload: unknown;
  status: OutboxStatus;
  /** Bumped on every replacement; a push only completes the version it read. */
  version: number;
  attempts: number;
  nextAttemptAt: Date;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  lastErrorCode: HubSpotKitErrorCode | null;
  lastErrorMessage: string | null;
  lastErrorDetails: ErrorDetails | null;
  /** When transient failures of this snapshot began (the retry horizon counts from here). */
  failingSince: Date | null;
  /** When to read the contact back from HubSpot (a timed-out upsert may still land late), or null. */
  verifyAt: Date | null;
  /** Finished tests of earlier invites this row's push must still carry (`latest-per-test`). */
  carried: CarriedTest[];
  /** 0 live, 1 backfill: claims take live rows first. */
  priority: number;
  hubspotContactId: string | null;
  pushedAt: Date | null;
  /** When the current snapshot arrived (or was retried): the start of its wait. */
  enqueuedAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

export function toOutboxRow(row: OutboxDbRow): OutboxRow {
  return {
    id: toIdString(row.id),
    orgId: row.org_id,
    email: row.email,
    inviteId: row.invite_id,
    snapshot: row.snapshot,
    inviteUpdatedAt: toDate(row.invite_updated_at),
    // Both drivers parse jsonb already; re-parsing would turn a JSON string payload into something else.
    payload: row.payload,
    status: row.status,
    version: toNumber(row.version),
    attempts: toNumber(row.attempts),
    nextAttemptAt: toDate(row.next_attempt_at),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: toDateOrNull(row.lease_expires_at),
    lastErrorCode: row.last_error_code === null ? null : toErrorCode(row.last_error_code),
    lastErrorMessage: row.last_error_message,
    lastErrorDetails: row.last_error_details == null ? null : ((parseJson(row.last_error_details) ?? null) as ErrorDetails | null),
    failingSince: toDateOrNull(row.failing_since),
    verifyAt: toDateOrNull(row.verify_at),
    priority: toNumber(row.priority ?? 0),
    carried: (() => {
      const parsed = parseJson(row.carried);
      return Array.isArray(parsed) ? (parsed as CarriedTest[]) : [];
    })(),
    hubspotContactId: row.hubspot_contact_id,
    pushedAt: toDateOrNull(row.pushed_at),
    enqueuedAt: toDate(row.enqueued_at),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

// ---------------------------------------------------------------------------------------------
// Sync log

export interface SyncLogDbRow {
  id: DbInteger;
  org_id: string;
  invite_id: string;
  email: string;
  outcome: SyncOutcome;
  hubspot_contact_id: string | null;
  error_code: string | null;
  error_message: string | null;
  error_details: unknown;
  correlation_id: string | null;
  attempt: DbInteger;
  created_at: DbTime;
}

export interface SyncLogEntry {
  id: string;
  orgId: string;
  inviteId: string;
  email: string;
  outcome: SyncOutcome;
  hubspotContactId: string | null;
  errorCode: HubSpotKitErrorCode | null;
  errorMessage: string | null;
  errorDetails: ErrorDetails | null;
  /** HubSpot's correlation id, for support tickets. */
  correlationId: string | null;
  attempt: number;
  createdAt: Date;
}

/** What `appendSyncLog` takes; `createdAt` comes from the injected clock. */
export interface NewSyncLogEntry {
  orgId: string;
  inviteId: string;
  email: string;
  outcome: SyncOutcome;
  hubspotContactId?: string | null;
  errorCode?: HubSpotKitErrorCode | null;
  errorMessage?: string | null;
  errorDetails?: ErrorDetails | null;
  correlationId?: string | null;
  attempt: number;
  createdAt: Date;
}

export function toSyncLogEntry(row: SyncLogDbRow): SyncLogEntry {
  return {
    id: toIdString(row.id),
    orgId: row.org_id,
    inviteId: row.invite_id,
    email: row.email,
    outcome: row.outcome,
    hubspotContactId: row.hubspot_contact_id,
    errorCode: row.error_code === null ? null : toErrorCode(row.error_code),
    errorMessage: row.error_message,
    errorDetails: row.error_details == null ? null : ((parseJson(row.error_details) ?? null) as ErrorDetails | null),
    correlationId: row.correlation_id,
    attempt: toNumber(row.attempt),
    createdAt: toDate(row.created_at),
  };
}

export function syncLogEntryToRow(entry: NewSyncLogEntry): Record<string, unknown> {
  return {
    org_id: entry.orgId,
    invite_id: entry.inviteId,
    email: entry.email,
    outcome: entry.outcome,
    hubspot_contact_id: entry.hubspotContactId ?? null,
    error_code: entry.errorCode ?? null,
    error_message: entry.errorMessage == null ? null : sanitizeErrorMessage(entry.errorMessage),
    error_details: entry.errorDetails == null ? null : JSON.stringify(sanitizeErrorDetails(entry.errorDetails)),
    correlation_id: entry.correlationId ?? null,
    attempt: entry.attempt,
    created_at: entry.createdAt,
  };
}

// ---------------------------------------------------------------------------------------------
// Shared value conversions

export function toDate(value: DbTime): Date {
  return value instanceof Date ? value : new Date(value);
}

export function toDateOrNull(value: DbTime | null | undefined): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

export function toNumber(value: DbInteger): number {
  return typeof value === 'number' ? value : Number(value);
}

export function toIdString(value: DbInteger): string {
  return typeof value === 'string' ? value : value.toString();
}

/** A count(*) from either driver. */
export function toCount(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' || typeof value === 'bigint') return Number(value);
  return 0;
}

const MAX_ERROR_MESSAGE_LENGTH = 2000;

/**
 * Error messages reach the admin UI and the sync log. They come from HTTP clients that sometimes
 * echo request headers, so bearer tokens are masked defensively, and the length is capped so one
 * pathological response body cannot bloat every row.
 */
export function sanitizeErrorMessage(message: string): string {
  const masked = message.replace(/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[redacted]');
  return masked.length > MAX_ERROR_MESSAGE_LENGTH ? `${masked.slice(0, MAX_ERROR_MESSAGE_LENGTH - 1)}…` : masked;
}

/** A stored code read back: an unknown one (older version, typo) reads as INTERNAL. */
export function toErrorCodeOrInternal(value: string | null): HubSpotKitErrorCode {
  return toErrorCode(value);
}

/** Details are shown to admins and kept in the sync log: the same masking and caps as messages. */
export function sanitizeErrorDetails(details: ErrorDetails): ErrorDetails {
  const clean: ErrorDetails = {};
  for (const [key, value] of Object.entries(details)) {
    if (value === undefined) continue;
    clean[key] = typeof value === 'string' ? sanitizeErrorMessage(value) : value;
  }
  return clean;
}

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function parseStringArray(value: unknown): string[] {
  const parsed = parseJson(value);
  return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
