/**
 * The durable outbox: one row per (org, normalized email) holding the latest snapshot of that
 * candidate, claimed by workers under a lease and settled with a version guard.
 *
 * Lease rule: a replacement (upsertSnapshot) keeps the current lease. While a worker's push of
 * version N is in flight, version N+1 must not be claimed by another worker, or the older payload
 * could reach HubSpot after the newer one. The worker's settle call (markPushed / reschedule /
 * markFailed) then finds the version changed, leaves the row pending and releases the lease, so the
 * new snapshot is claimable at once (or when the lease expires, if the worker died).
 */
import type { Knex } from 'knex';
import type { ErrorDetails, HubSpotKitErrorCode } from '../errors.js';
import type { QueueCounts } from '../integration/types.js';
import { normalizeEmail } from '../mapping/map-invite.js';
import {
  sanitizeErrorDetails,
  sanitizeErrorMessage,
  toCount,
  toDate,
  toOutboxRow,
  type OutboxDbRow,
  type OutboxRow,
} from './rows.js';
import { execute, inTransaction, isRowId, placeholders, queryRows, type Db } from './sql.js';

// Writing snapshots lives in snapshot-writes.ts; re-exported so callers see one outbox repository.
export { upsertSnapshot, upsertSnapshots } from './snapshot-writes.js';
export type { BatchUpsertResult, SnapshotInput, UpsertSnapshotResult } from './snapshot-writes.js';

const TABLE = 'hubspot_outbox';

export interface OutboxError {
  code: HubSpotKitErrorCode;
  /** Technical text (logs, support); the widget words `code` + `details`. */
  message: string;
  details?: ErrorDetails;
}

/**
 * The one definition of a row a worker may push: pending, of a connected org, not leased by a live
 * worker. `due` adds "its time has come". Every query that asks "what is waiting?" uses these, so
 * the claim, the drain's "anything left?", the wake-up timer and the status counts cannot drift apart.
 */
const PENDING_OF_CONNECTED = `FROM ${TABLE} AS o
     JOIN hubspot_connections AS c ON c.org_id = o.org_id AND c.status = 'connected'
     WHERE o.status = 'pending'`;
const DUE = `AND o.next_attempt_at <= ? AND (o.lease_expires_at IS NULL OR o.lease_expires_at <= ?)`;
const orgFilter = (orgId: string | undefined): string => (orgId === undefined ? '' : 'AND o.org_id = ?');
const orgBinding = (orgId: string | undefined): string[] => (orgId === undefined ? [] : [orgId]);

function detailsJson(error: OutboxError | null | undefined): string | null {
  return error?.details === undefined ? null : JSON.stringify(sanitizeErrorDetails(error.details));
}

export interface ClaimOptions {
  workerId: string;
  now: Date;
  leaseMs: number;
  limit: number;
  /** Only this org's rows. */
  orgId?: string;
  /** Only rows of this priority (0 live, 1 backfill). */
  priority?: 0 | 1;
}

/**
 * Leases up to `limit` due rows (pending, next_attempt_at <= now, no live lease) of orgs whose
 * connection is `connected`, oldest due first. `SKIP LOCKED` lets concurrent claimers take
 * disjoint rows without waiting on each other. Attempts are not counted here: the caller counts
 * an attempt when it settles the row.
 */
export async function claimDueRows(db: Db, options: ClaimOptions): Promise<OutboxRow[]> {
  if (options.limit <= 0) return [];
  const leaseExpiresAt = new Date(options.now.getTime() + options.leaseMs);
  const rows = await queryRows<OutboxDbRow>(
    db,
    `UPDATE ${TABLE} AS t
     SET lease_owner = ?, lease_expires_at = ?
     FROM (
       SELECT o.id ${PENDING_OF_CONNECTED} ${DUE} ${orgFilter(options.orgId)} ${options.priority === undefined ? '' : 'AND o.priority = ?'}
       ORDER BY o.priority, o.next_attempt_at, o.id
       LIMIT ?
       FOR UPDATE OF o SKIP LOCKED
     ) AS due
     WHERE t.id = due.id
     RETURNING t.*`,
    [
      options.workerId,
      leaseExpiresAt,
      options.now,
      options.now,
      ...orgBinding(options.orgId),
      ...(options.priority === undefined ? [] : [options.priority]),
      Math.floor(options.limit),
    ],
  );
  // RETURNING has no defined order.
  return rows.map(toOutboxRow).sort(byDueThenId);
}

export interface SettleGuard {
  id: string;
  /** The version the worker claimed (and pushed). */
  version: number;
  workerId: string;
}

/**
 * Marks the claimed version pushed: done, contact id recorded, attempts reset, lease cleared.
 * Returns false when the row was replaced meanwhile (version changed) or the lease was lost; in the
 * replaced case the row stays pending with its new snapshot, the worker's lease is released and the
 * contact id is still recorded (the contact exists either way, and GDPR purges find rows by it).
 */
export async function markPushed(
  db: Db,
  input: SettleGuard & { contactId: string | null; now: Date },
): Promise<boolean> {
  return settle(
    db,
    input,
    `status = 'done', pushed_at = ?, hubspot_contact_id = COALESCE(?, hubspot_contact_id), attempts = 0,
     last_error_code = NULL, last_error_message = NULL, last_error_details = NULL, failing_since = NULL, updated_at = ?`,
    [input.now, input.contactId, input.now],
    { contactId: input.contactId },
  );
}

/**
 * `markPushed` for a whole claim in one statement (a drain settles up to a thousand rows at once;
 * one round trip per row was the drain's bottleneck). Rows whose version or lease moved on are
 * settled one by one through `markPushed`, which keeps its replaced-row semantics. Returns the ids
 * marked done.
 */
export async function markManyPushed(
  db: Db,
  input: { workerId: string; now: Date; rows: ReadonlyArray<{ id: string; version: number; contactId: string | null }> },
): Promise<string[]> {
  const rows = input.rows.filter((row) => isRowId(row.id));
  if (rows.length === 0) return [];
  const updated = await queryRows<{ id: string | number }>(
    db,
    `UPDATE ${TABLE} AS t
     SET status = 'done', pushed_at = ?, hubspot_contact_id = COALESCE(v.contact_id, t.hubspot_contact_id), attempts = 0,
         last_error_code = NULL, last_error_message = NULL, last_error_details = NULL, failing_since = NULL,
         updated_at = ?, lease_owner = NULL, lease_expires_at = NULL
     FROM (SELECT * FROM unnest(?::bigint[], ?::int[], ?::text[]) AS u(id, version, contact_id)) AS v
     WHERE t.id = v.id AND t.version = v.version AND t.lease_owner = ?
     RETURNING t.id`,
    [input.now, input.now, rows.map((row) => row.id), rows.map((row) => row.version), rows.map((row) => row.contactId) as unknown as Knex.RawBinding, input.workerId],
  );
  const done = new Set(updated.map((row) => String(row.id)));
  for (const row of rows) {
    if (!done.has(row.id)) await markPushed(db, { id: row.id, version: row.version, workerId: input.workerId, contactId: row.contactId, now: input.now });
  }
  return [...done];
}

/**
 * Keeps the row pending for another attempt at `nextAttemptAt`, recording the attempt count and
 * reason. The first transient failure of a snapshot starts its retry horizon (`failing_since`).
 */
export async function reschedule(
  db: Db,
  input: SettleGuard & { nextAttemptAt: Date; attempts: number; error: OutboxError | null; now: Date },
): Promise<boolean> {
  return settle(
    db,
    input,
    `next_attempt_at = ?, attempts = ?, last_error_code = ?, last_error_message = ?, last_error_details = CAST(? AS jsonb),
     failing_since = COALESCE(failing_since, ?), updated_at = ?`,
    [input.nextAttemptAt, input.attempts, input.error?.code ?? null, errorMessageOrNull(input.error), detailsJson(input.error), input.now, input.now],
  );
}

/**
 * Gives leased rows back to the queue unattempted, due at `nextAttemptAt` (a token endpoint outage:
 * the rows wait out the connection's refresh backoff instead of being claimed again at once).
 */
export async function deferRows(db: Db, input: { ids: readonly string[]; workerId: string; nextAttemptAt: Date; error: OutboxError; now: Date }): Promise<number> {
  const ids = input.ids.filter(isRowId);
  if (ids.length === 0) return 0;
  return execute(
    db,
    `UPDATE ${TABLE}
     SET lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = ?, last_error_code = ?, last_error_message = ?,
         last_error_details = CAST(? AS jsonb), updated_at = ?
     WHERE id IN (${placeholders(ids.length)}) AND lease_owner = ?`,
    [input.nextAttemptAt, input.error.code, sanitizeErrorMessage(input.error.message), detailsJson(input.error), input.now, ...ids, input.workerId],
  );
}

/** Gives up on the row: `failed` with its reason, listed to the admin until retried or replaced. */
export async function markFailed(
  db: Db,
  input: SettleGuard & { attempts: number; error: OutboxError; now: Date },
): Promise<boolean> {
  return settle(
    db,
    input,
    `status = 'failed', attempts = ?, last_error_code = ?, last_error_message = ?, last_error_details = CAST(? AS jsonb), updated_at = ?`,
    [input.attempts, input.error.code, sanitizeErrorMessage(input.error.message), detailsJson(input.error), input.now],
  );
}

/** Marks rows to be read back from HubSpot at `at` (the later of an existing and the new time). */
export async function scheduleReadBack(db: Db, ids: readonly string[], at: Date): Promise<number> {
  const valid = ids.filter(isRowId);
  if (valid.length === 0) return 0;
  return execute(db, `UPDATE ${TABLE} SET verify_at = GREATEST(COALESCE(verify_at, ?), ?) WHERE id IN (${placeholders(valid.length)})`, [at, at, ...valid]);
}

/**
 * Takes up to `limit` done rows whose read-back is due, of connected orgs, pushing their due time
 * `holdMs` ahead so another process does not read the same ones meanwhile.
 */
export async function claimReadBacks(db: Db, input: { now: Date; holdMs: number; limit: number }): Promise<OutboxRow[]> {
  const rows = await queryRows<OutboxDbRow>(
    db,
    `UPDATE ${TABLE} AS t SET verify_at = ?
     FROM (
       SELECT o.id FROM ${TABLE} AS o
       JOIN hubspot_connections AS c ON c.org_id = o.org_id AND c.status = 'connected'
       WHERE o.verify_at IS NOT NULL AND o.verify_at <= ? AND o.status = 'done'
       ORDER BY o.verify_at LIMIT ?
       FOR UPDATE OF o SKIP LOCKED
     ) AS due
     WHERE t.id = due.id
     RETURNING t.*`,
    [new Date(input.now.getTime() + input.holdMs), input.now, input.limit],
  );
  return rows.map(toOutboxRow);
}

/** After a read-back: matched rows are cleared, mismatched ones go back to the queue to be pushed again. */
export async function settleReadBacks(db: Db, input: { matched: readonly string[]; stale: readonly string[]; now: Date }): Promise<void> {
  const matched = input.matched.filter(isRowId);
  const stale = input.stale.filter(isRowId);
  if (matched.length > 0) await execute(db, `UPDATE ${TABLE} SET verify_at = NULL WHERE id IN (${placeholders(matched.length)}) AND status = 'done'`, matched);
  if (stale.length > 0) {
    await execute(
      db,
      `UPDATE ${TABLE} SET verify_at = NULL, status = 'pending', version = version + 1, attempts = 0, next_attempt_at = ?, updated_at = ?
       WHERE id IN (${placeholders(stale.length)}) AND status = 'done'`,
      [input.now, input.now, ...stale],
    );
  }
}

/** Returns leased rows this worker did not attempt (held org, aborted drain) to the queue as they were. */
export async function releaseLease(db: Db, input: { ids: readonly string[]; workerId: string }): Promise<number> {
  const ids = input.ids.filter(isRowId);
  if (ids.length === 0) return 0;
  return execute(
    db,
    `UPDATE ${TABLE} SET lease_owner = NULL, lease_expires_at = NULL
     WHERE id IN (${placeholders(ids.length)}) AND lease_owner = ?`,
    [...ids, input.workerId],
  );
}

/**
 * Extends this worker's lease on the given rows, right before it sends them again. Returns the ids
 * it still holds: a row whose lease lapsed and was reclaimed (or taken by another worker) is not
 * ours to send any more; sending it anyway could land an older snapshot after a newer one.
 */
export async function renewLeases(db: Db, input: { ids: readonly string[]; workerId: string; until: Date }): Promise<string[]> {
  const ids = input.ids.filter(isRowId);
  if (ids.length === 0) return [];
  const rows = await queryRows<{ id: string | number }>(
    db,
    `UPDATE ${TABLE} SET lease_expires_at = ? WHERE id IN (${placeholders(ids.length)}) AND lease_owner = ? RETURNING id`,
    [input.until, ...ids, input.workerId],
  );
  return rows.map((row) => String(row.id));
}

/** Clears leases that expired (their worker died or stalled). Returns how many. */
export async function reclaimExpiredLeases(db: Db, now: Date): Promise<number> {
  return execute(
    db,
    `UPDATE ${TABLE} SET lease_owner = NULL, lease_expires_at = NULL
     WHERE lease_owner IS NOT NULL AND lease_expires_at <= ?`,
    [now],
  );
}

/** pending: waiting for a connected org; held: pending while the org is not connected (or has no connection). */
export async function countQueue(db: Db, orgId: string): Promise<QueueCounts> {
  const rows = await queryRows<{ pending: unknown; failed: unknown; held: unknown }>(
    db,
    `SELECT
       count(*) FILTER (WHERE o.status = 'pending' AND c.status = 'connected') AS pending,
       count(*) FILTER (WHERE o.status = 'failed')
         + (SELECT count(*) FROM hubspot_invalid_snapshots AS i WHERE i.org_id = ?) AS failed,
       count(*) FILTER (WHERE o.status = 'pending' AND (c.status IS NULL OR c.status <> 'connected')) AS held
     FROM ${TABLE} AS o
     LEFT JOIN hubspot_connections AS c ON c.org_id = o.org_id
     WHERE o.org_id = ?`,
    [orgId, orgId],
  );
  const row = rows[0];
  return { pending: toCount(row?.pending), failed: toCount(row?.failed), held: toCount(row?.held) };
}

export async function getOutboxRow(db: Db, orgId: string, id: string): Promise<OutboxRow | null> {
  if (!isRowId(id)) return null;
  const rows = await queryRows<OutboxDbRow>(db, `SELECT * FROM ${TABLE} WHERE org_id = ? AND id = ?`, [orgId, id]);
  return rows[0] === undefined ? null : toOutboxRow(rows[0]);
}

export async function getOutboxRowByEmail(db: Db, orgId: string, email: string): Promise<OutboxRow | null> {
  const rows = await queryRows<OutboxDbRow>(db, `SELECT * FROM ${TABLE} WHERE org_id = ? AND email = ?`, [
    orgId,
    normalizeEmail(email),
  ]);
  return rows[0] === undefined ? null : toOutboxRow(rows[0]);
}

/** GDPR: deletes the org's outbox row for this email. Returns how many (0 or 1). */
export async function deleteOutboxRowsByEmail(db: Db, orgId: string, email: string): Promise<number> {
  return execute(db, `DELETE FROM ${TABLE} WHERE org_id = ? AND email = ?`, [orgId, normalizeEmail(email)]);
}

/** GDPR: deletes the org's outbox rows pushed to this HubSpot contact. Returns how many. */
export async function deleteOutboxRowsByContact(db: Db, orgId: string, contactId: string): Promise<number> {
  return execute(db, `DELETE FROM ${TABLE} WHERE org_id = ? AND hubspot_contact_id = ?`, [orgId, contactId]);
}

export interface PurgeResult {
  outboxRows: number;
  syncLogRows: number;
}

/**
 * GDPR purge of one person in one org, by HubSpot contact id and/or email: the outbox rows, and the
 * sync log entries that carry the contact id or the email of any purged row (failed pushes never
 * learned a contact id, so the email is what links them). Runs in a transaction of its own unless
 * `db` already is one.
 */
export async function purgeContactData(
  db: Db,
  orgId: string,
  who: { contactId?: string | null; email?: string | null },
): Promise<PurgeResult> {
  const contactId = who.contactId ?? null;
  const email = who.email == null ? null : normalizeEmail(who.email);
  if (contactId === null && email === null) return { outboxRows: 0, syncLogRows: 0 };

  return inTransaction(db, async (trx) => {
    const match = [contactId === null ? null : 'hubspot_contact_id = ?', email === null ? null : 'email = ?']
      .filter((clause): clause is string => clause !== null)
      .join(' OR ');
    const matchBindings = [contactId, email].filter((value): value is string => value !== null);

    const deleted = await queryRows<{ email: string }>(
      trx,
      `DELETE FROM ${TABLE} WHERE org_id = ? AND (${match}) RETURNING email`,
      [orgId, ...matchBindings],
    );
    const emails = [...new Set([...deleted.map((row) => row.email), ...(email === null ? [] : [email])])];
    const logMatch = [
      contactId === null ? null : 'hubspot_contact_id = ?',
      emails.length === 0 ? null : `email IN (${placeholders(emails.length)})`,
    ]
      .filter((clause): clause is string => clause !== null)
      .join(' OR ');
    const syncLogRows = await execute(
      trx,
      `DELETE FROM hubspot_sync_log WHERE org_id = ? AND (${logMatch})`,
      [orgId, ...(contactId === null ? [] : [contactId]), ...emails],
    );
    return { outboxRows: deleted.length, syncLogRows };
  });
}

/** Whether any row is claimable now (optionally for one org): the drain loop's "anything left?". */
export async function hasDueRows(db: Db, now: Date, orgId?: string): Promise<boolean> {
  const rows = await queryRows<{ due: boolean }>(db, `SELECT EXISTS (SELECT 1 ${PENDING_OF_CONNECTED} ${DUE} ${orgFilter(orgId)}) AS due`, [now, now, ...orgBinding(orgId)]);
  return rows[0]?.due === true;
}

/** The orgs that have claimable rows now (optionally just this one): where the drain starts. */
export async function listDueOrgIds(db: Db, now: Date, orgId?: string): Promise<string[]> {
  const rows = await queryRows<{ org_id: string }>(db, `SELECT DISTINCT o.org_id ${PENDING_OF_CONNECTED} ${DUE} ${orgFilter(orgId)}`, [now, now, ...orgBinding(orgId)]);
  return rows.map((row) => row.org_id);
}

/**
 * When the next pending row of a connected org becomes claimable (to schedule the next drain), or
 * null: its due time, or its lease's end when another worker holds it, whichever is later.
 */
export async function nextDueAt(db: Db, orgId?: string): Promise<Date | null> {
  const rows = await queryRows<{ next: Date | string | null }>(
    db,
    `SELECT min(GREATEST(o.next_attempt_at, COALESCE(o.lease_expires_at, o.next_attempt_at))) AS next ${PENDING_OF_CONNECTED} ${orgFilter(orgId)}`,
    orgBinding(orgId),
  );
  const next = rows[0]?.next ?? null;
  return next === null ? null : toDate(next);
}

/** How long (ms) the longest-waiting pending row of a connected org has waited since it was enqueued, or null. */
export async function oldestPendingAge(db: Db, now: Date, orgId?: string): Promise<number | null> {
  const rows = await queryRows<{ oldest: Date | string | null }>(db, `SELECT min(o.enqueued_at) AS oldest ${PENDING_OF_CONNECTED} ${orgFilter(orgId)}`, orgBinding(orgId));
  const oldest = rows[0]?.oldest ?? null;
  return oldest === null ? null : Math.max(0, now.getTime() - toDate(oldest).getTime());
}

// ---------------------------------------------------------------------------------------------

/**
 * Applies `set` only if the worker still holds the lease on the version it claimed. If the lease is
 * still ours but the version moved on (a newer snapshot arrived mid-push), only the lease is released
 * so the newer snapshot is pushed next (plus the contact id, for markPushed).
 */
async function settle(
  db: Db,
  guard: SettleGuard,
  set: string,
  bindings: Knex.RawBinding[],
  onReplaced: { contactId?: string | null } = {},
): Promise<boolean> {
  if (!isRowId(guard.id)) return false;
  const applied = await execute(
    db,
    `UPDATE ${TABLE} SET ${set}, lease_owner = NULL, lease_expires_at = NULL
     WHERE id = ? AND version = ? AND lease_owner = ?`,
    [...bindings, guard.id, guard.version, guard.workerId],
  );
  if (applied > 0) return true;
  await execute(
    db,
    `UPDATE ${TABLE}
     SET lease_owner = NULL, lease_expires_at = NULL, hubspot_contact_id = COALESCE(?, hubspot_contact_id)
     WHERE id = ? AND lease_owner = ?`,
    [onReplaced.contactId ?? null, guard.id, guard.workerId],
  );
  return false;
}


function errorMessageOrNull(error: OutboxError | null): string | null {
  return error === null ? null : sanitizeErrorMessage(error.message);
}

function byDueThenId(a: OutboxRow, b: OutboxRow): number {
  const due = a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime();
  if (due !== 0) return due;
  return a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
