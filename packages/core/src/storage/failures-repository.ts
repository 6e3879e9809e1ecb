/**
 * What the admin sees as "failed": outbox rows HubSpot refused (or that outlived the retry horizon),
 * and invalid snapshots, which are kept apart from the candidate's outbox row so that they never
 * displace a valid one. Listed together, newest first; retried where a retry can help; dismissed.
 */
import { ERROR_CODES, HubSpotKitError, type ErrorDetails, type HubSpotKitErrorCode } from '../errors.js';
import type { FailureItem, FailurePage } from '../integration/types.js';
import { normalizeEmail } from '../mapping/map-invite.js';
import { sanitizeErrorDetails, sanitizeErrorMessage, toCount, toDate, toErrorCodeOrInternal } from './rows.js';
import { execute, isRowId, placeholders, queryRows, recordsParam, type Db } from './sql.js';

const INVALID = 'hubspot_invalid_snapshots';
/** Failure ids of invalid snapshots carry this prefix; outbox failures are the bare row id. */
const INVALID_ID_PREFIX = 'invalid-';

export const DEFAULT_FAILURE_PAGE_SIZE = 50;
export const MAX_FAILURE_PAGE_SIZE = 200;
/** At most this many ids in one retry or dismiss call: a larger list is refused, not truncated. */
export const MAX_FAILURE_IDS_PER_CALL = 1_000;

const RETRYABLE_CODES = (Object.keys(ERROR_CODES) as HubSpotKitErrorCode[]).filter((code) => ERROR_CODES[code].retryable);

export interface InvalidSnapshotInput {
  orgId: string;
  email: string;
  inviteId: string;
  inviteUpdatedAt: Date;
  payload: unknown;
  error: { code: HubSpotKitErrorCode; message: string; details?: ErrorDetails };
}

/**
 * Keeps an invite that failed validation, with its reason. The latest version of the same invite
 * wins; a version older than a valid snapshot of that invite already queued is dropped as stale
 * (the host has corrected it since). Returns the failure id, or null when stale.
 */
export async function recordInvalidSnapshot(db: Db, input: InvalidSnapshotInput, now: Date): Promise<string | null> {
  const email = normalizeEmail(input.email);
  const newerValid = await queryRows<{ n: unknown }>(
    db,
    `SELECT count(*) AS n FROM hubspot_outbox WHERE org_id = ? AND email = ? AND invite_id = ? AND invite_updated_at > ?`,
    [input.orgId, email, input.inviteId, input.inviteUpdatedAt],
  );
  if (toCount(newerValid[0]?.n) > 0) return null;
  const rows = await queryRows<{ id: string | number }>(
    db,
    `INSERT INTO ${INVALID} AS i (org_id, email, invite_id, invite_updated_at, payload, error_code, error_message, error_details, created_at, updated_at)
     VALUES (?, ?, ?, ?, CAST(? AS jsonb), ?, ?, CAST(? AS jsonb), ?, ?)
     ON CONFLICT (org_id, email, invite_id) DO UPDATE SET
       invite_updated_at = EXCLUDED.invite_updated_at, payload = EXCLUDED.payload, error_code = EXCLUDED.error_code,
       error_message = EXCLUDED.error_message, error_details = EXCLUDED.error_details, updated_at = EXCLUDED.updated_at
     WHERE EXCLUDED.invite_updated_at >= i.invite_updated_at
     RETURNING i.id`,
    [
      input.orgId,
      email,
      input.inviteId,
      input.inviteUpdatedAt,
      JSON.stringify(input.payload ?? null),
      input.error.code,
      sanitizeErrorMessage(input.error.message),
      JSON.stringify(sanitizeErrorDetails(input.error.details ?? {})),
      now,
      now,
    ],
  );
  return rows[0] === undefined ? null : `${INVALID_ID_PREFIX}${String(rows[0].id)}`;
}

/**
 * A valid snapshot of an invite supersedes its failures up to that time: the host fixed it. That
 * covers its invalid versions, and a result HubSpot refused under another email (the host corrected
 * the address: the refused row stays as history, dismissed, off the failures list).
 */
export async function supersedeInvalidSnapshots(db: Db, input: { orgId: string; email: string; inviteId: string; upTo: Date }): Promise<number> {
  const email = normalizeEmail(input.email);
  const invalid = await execute(db, `DELETE FROM ${INVALID} WHERE org_id = ? AND invite_id = ? AND invite_updated_at <= ?`, [input.orgId, input.inviteId, input.upTo]);
  const refused = await execute(
    db,
    `UPDATE hubspot_outbox SET status = 'dismissed', updated_at = updated_at
     WHERE org_id = ? AND invite_id = ? AND email <> ? AND status = 'failed' AND invite_updated_at <= ?`,
    [input.orgId, input.inviteId, email, input.upTo],
  );
  return invalid + refused;
}

/** `supersedeInvalidSnapshots` for a page of valid snapshots, in one statement. */
export async function supersedeInvalidSnapshotsMany(db: Db, items: ReadonlyArray<{ orgId: string; email: string; inviteId: string; upTo: Date }>): Promise<number> {
  if (items.length === 0) return 0;
  const rows = recordsParam(items.map((item) => ({ org_id: item.orgId, email: normalizeEmail(item.email), invite_id: item.inviteId, up_to: item.upTo.toISOString() })));
  const invalid = await execute(
    db,
    `DELETE FROM ${INVALID} AS i
     USING jsonb_to_recordset(CAST(? AS jsonb)) AS v(org_id text, email text, invite_id text, up_to timestamptz)
     WHERE i.org_id = v.org_id AND i.invite_id = v.invite_id AND i.invite_updated_at <= v.up_to`,
    [rows],
  );
  const refused = await execute(
    db,
    `UPDATE hubspot_outbox AS o SET status = 'dismissed'
     FROM jsonb_to_recordset(CAST(? AS jsonb)) AS v(org_id text, email text, invite_id text, up_to timestamptz)
     WHERE o.org_id = v.org_id AND o.invite_id = v.invite_id AND o.email <> v.email AND o.status = 'failed' AND o.invite_updated_at <= v.up_to`,
    [rows],
  );
  return invalid + refused;
}

interface FailureDbRow {
  kind: 'o' | 'i';
  id: string | number;
  invite_id: string;
  email: string;
  error_code: string | null;
  error_details: unknown;
  attempts: string | number;
  failed_at: Date | string;
}

const CURSOR = /^(\d{1,16})\.([oi])([1-9][0-9]{0,17})$/;

/** The org's failures, newest first, keyset-paged over both kinds (the cursor is opaque to callers). */
export async function listFailures(db: Db, orgId: string, page: { limit?: number; cursor?: string | null } = {}): Promise<FailurePage> {
  const limit = clampLimit(page.limit);
  const cursor = page.cursor ?? null;
  const parsed = cursor === null ? null : CURSOR.exec(cursor);
  if (cursor !== null && parsed === null) throw new HubSpotKitError('BAD_REQUEST', 'The failures cursor is not valid.', { details: { field: 'cursor' } });
  const after = parsed === null ? null : { at: new Date(Number(parsed[1])), kind: parsed[2]!, id: parsed[3]! };
  const rows = await queryRows<FailureDbRow>(
    db,
    `SELECT * FROM (
       SELECT 'o' AS kind, id, invite_id, email, last_error_code AS error_code, last_error_details AS error_details, attempts, updated_at AS failed_at
       FROM hubspot_outbox WHERE org_id = ? AND status = 'failed'
       UNION ALL
       SELECT 'i' AS kind, id, invite_id, email, error_code, error_details, 0 AS attempts, updated_at AS failed_at
       FROM ${INVALID} WHERE org_id = ?
     ) AS f
     ${after === null ? '' : `WHERE (f.failed_at, f.kind, f.id) < (?, ?, ?)`}
     ORDER BY f.failed_at DESC, f.kind DESC, f.id DESC
     LIMIT ?`,
    [orgId, orgId, ...(after === null ? [] : [after.at, after.kind, after.id]), limit + 1],
  );
  const totals = await queryRows<{ total: unknown }>(
    db,
    `SELECT (SELECT count(*) FROM hubspot_outbox WHERE org_id = ? AND status = 'failed') + (SELECT count(*) FROM ${INVALID} WHERE org_id = ?) AS total`,
    [orgId, orgId],
  );
  const pageRows = rows.slice(0, limit);
  const last = pageRows[pageRows.length - 1];
  return {
    items: pageRows.map(toFailureItem),
    total: toCount(totals[0]?.total),
    nextCursor: rows.length > limit && last !== undefined ? `${toDate(last.failed_at).getTime()}.${last.kind}${String(last.id)}` : null,
  };
}

function toFailureItem(row: FailureDbRow): FailureItem {
  const code = toErrorCodeOrInternal(row.error_code);
  const stored = (typeof row.error_details === 'string' ? (JSON.parse(row.error_details) as ErrorDetails) : (row.error_details as ErrorDetails | null)) ?? {};
  return {
    id: row.kind === 'i' ? `${INVALID_ID_PREFIX}${String(row.id)}` : String(row.id),
    inviteId: row.invite_id,
    email: row.email,
    code,
    details: { email: row.email, inviteId: row.invite_id, ...stored },
    // An invalid snapshot is fixed by correcting the invite, never by sending it again.
    retryable: row.kind === 'o' && ERROR_CODES[code].retryable,
    attempts: Number(row.attempts),
    failedAt: toDate(row.failed_at).toISOString(),
  };
}

function assertIdCount(ids: readonly string[] | undefined): void {
  if (ids !== undefined && ids.length > MAX_FAILURE_IDS_PER_CALL) {
    throw new HubSpotKitError('PAYLOAD_TOO_LARGE', `At most ${MAX_FAILURE_IDS_PER_CALL} failures per call`, { details: { field: 'ids', limit: MAX_FAILURE_IDS_PER_CALL, value: ids.length } });
  }
}

/**
 * Puts the org's failed outbox rows (all, or those of `ids`) back in the queue: pending, attempts
 * 0, due now, error cleared. Only rows whose reason a retry can help: a refused email or value
 * would fail again at once, so it stays listed until the invite is corrected or dismissed.
 */
export async function retryFailedRows(db: Db, orgId: string, ids: readonly string[] | undefined, now: Date): Promise<number> {
  assertIdCount(ids);
  const validIds = ids?.filter(isRowId);
  if (validIds !== undefined && validIds.length === 0) return 0;
  return execute(
    db,
    `UPDATE hubspot_outbox
     SET status = 'pending', attempts = 0, next_attempt_at = ?, last_error_code = NULL, last_error_message = NULL,
         last_error_details = NULL, failing_since = NULL, enqueued_at = ?, updated_at = ?
     WHERE org_id = ? AND status = 'failed' AND last_error_code IN (${placeholders(RETRYABLE_CODES.length)})
       ${validIds === undefined ? '' : `AND id IN (${placeholders(validIds.length)})`}`,
    [now, now, now, orgId, ...RETRYABLE_CODES, ...(validIds ?? [])],
  );
}

/** Takes failures off the list: invalid snapshots are deleted, failed outbox rows marked dismissed. */
export async function dismissFailures(db: Db, orgId: string, ids: readonly string[], now: Date): Promise<number> {
  assertIdCount(ids);
  const outboxIds = ids.filter(isRowId);
  const invalidIds = ids.filter((id) => id.startsWith(INVALID_ID_PREFIX)).map((id) => id.slice(INVALID_ID_PREFIX.length)).filter(isRowId);
  let dismissed = 0;
  if (outboxIds.length > 0) {
    dismissed += await execute(db, `UPDATE hubspot_outbox SET status = 'dismissed', updated_at = ? WHERE org_id = ? AND status = 'failed' AND id IN (${placeholders(outboxIds.length)})`, [now, orgId, ...outboxIds]);
  }
  if (invalidIds.length > 0) {
    dismissed += await execute(db, `DELETE FROM ${INVALID} WHERE org_id = ? AND id IN (${placeholders(invalidIds.length)})`, [orgId, ...invalidIds]);
  }
  return dismissed;
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_FAILURE_PAGE_SIZE;
  return Math.min(MAX_FAILURE_PAGE_SIZE, Math.max(1, Math.floor(limit)));
}
