/** One backfill per org: its state and the host source's persisted cursor. */
import type { ErrorDetails, HubSpotKitErrorCode } from '../errors.js';
import { toCount, toDate, toDateOrNull } from './rows.js';
import { execute, queryRows, type Db } from './sql.js';

export type BackfillState = 'offered' | 'running' | 'cancelled' | 'done' | 'failed';

export interface BackfillRow {
  orgId: string;
  status: BackfillState;
  cursor: string | null;
  total: number | null;
  enqueued: number;
  skipped: number;
  invalid: number;
  errorCode: HubSpotKitErrorCode | null;
  errorDetails: ErrorDetails | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

interface BackfillDbRow {
  org_id: string;
  status: BackfillState;
  cursor: string | null;
  total: number | string | null;
  enqueued: number | string;
  skipped: number | string;
  invalid: number | string;
  error_code: string | null;
  error_details: unknown;
  started_at: Date | string | null;
  finished_at: Date | string | null;
  updated_at: Date | string;
}

function toBackfill(row: BackfillDbRow): BackfillRow {
  return {
    orgId: row.org_id,
    status: row.status,
    cursor: row.cursor,
    total: row.total === null ? null : toCount(row.total),
    enqueued: toCount(row.enqueued),
    skipped: toCount(row.skipped),
    invalid: toCount(row.invalid),
    errorCode: row.error_code as HubSpotKitErrorCode | null,
    errorDetails: (typeof row.error_details === 'string' ? JSON.parse(row.error_details) : row.error_details) as ErrorDetails | null,
    startedAt: toDateOrNull(row.started_at),
    finishedAt: toDateOrNull(row.finished_at),
    updatedAt: toDate(row.updated_at),
  };
}

export async function getBackfill(db: Db, orgId: string): Promise<BackfillRow | null> {
  const rows = await queryRows<BackfillDbRow>(db, `SELECT * FROM hubspot_backfills WHERE org_id = ?`, [orgId]);
  return rows[0] === undefined ? null : toBackfill(rows[0]);
}

/** Offers a (new) backfill from the start; one that is running is left alone. */
export async function offerBackfill(db: Db, orgId: string, total: number, now: Date): Promise<BackfillRow> {
  await execute(
    db,
    `INSERT INTO hubspot_backfills AS b (org_id, status, total, created_at, updated_at) VALUES (?, 'offered', ?, ?, ?)
     ON CONFLICT (org_id) DO UPDATE SET status = 'offered', total = EXCLUDED.total, cursor = NULL, enqueued = 0, skipped = 0, invalid = 0,
       error_code = NULL, error_details = NULL, started_at = NULL, finished_at = NULL, updated_at = EXCLUDED.updated_at
     WHERE b.status <> 'running'`,
    [orgId, total, now, now],
  );
  return (await getBackfill(db, orgId))!;
}

/**
 * Starts (or restarts) the org's backfill: running, counters and cursor kept when it was stopped
 * part-way (cancelled or failed: it resumes), reset when it had finished (a new run from the start).
 */
export async function startBackfillRow(db: Db, orgId: string, total: number, now: Date): Promise<BackfillRow> {
  await execute(
    db,
    `INSERT INTO hubspot_backfills AS b (org_id, status, total, started_at, created_at, updated_at) VALUES (?, 'running', ?, ?, ?, ?)
     ON CONFLICT (org_id) DO UPDATE SET
       status = 'running', total = EXCLUDED.total, error_code = NULL, error_details = NULL, finished_at = NULL, updated_at = EXCLUDED.updated_at,
       started_at = CASE WHEN b.status IN ('done', 'offered') OR b.started_at IS NULL THEN EXCLUDED.started_at ELSE b.started_at END,
       cursor = CASE WHEN b.status = 'done' THEN NULL ELSE b.cursor END,
       enqueued = CASE WHEN b.status = 'done' THEN 0 ELSE b.enqueued END,
       skipped = CASE WHEN b.status = 'done' THEN 0 ELSE b.skipped END,
       invalid = CASE WHEN b.status = 'done' THEN 0 ELSE b.invalid END
     WHERE b.status <> 'running'`,
    [orgId, total, now, now, now],
  );
  return (await getBackfill(db, orgId))!;
}

/** Records a queued page and the cursor after it, only while the backfill is still running. Returns whether it was. */
export async function advanceBackfill(db: Db, orgId: string, page: { cursor: string | null; enqueued: number; skipped: number; invalid: number }, now: Date): Promise<boolean> {
  const updated = await execute(
    db,
    `UPDATE hubspot_backfills SET cursor = ?, enqueued = enqueued + ?, skipped = skipped + ?, invalid = invalid + ?, updated_at = ? WHERE org_id = ? AND status = 'running'`,
    [page.cursor, page.enqueued, page.skipped, page.invalid, now, orgId],
  );
  return updated > 0;
}

export async function finishBackfill(db: Db, orgId: string, status: 'done' | 'cancelled' | 'failed', now: Date, error?: { code: HubSpotKitErrorCode; details: ErrorDetails }): Promise<void> {
  await execute(
    db,
    `UPDATE hubspot_backfills SET status = ?, finished_at = ?, updated_at = ?, error_code = ?, error_details = CAST(? AS jsonb)
     WHERE org_id = ? AND (status = 'running' OR (status = 'offered' AND ? = 'cancelled'))`,
    [status, now, now, error?.code ?? null, error ? JSON.stringify(error.details) : null, orgId, status],
  );
}

export async function listRunningBackfills(db: Db): Promise<string[]> {
  const rows = await queryRows<{ org_id: string }>(db, `SELECT org_id FROM hubspot_backfills WHERE status = 'running'`);
  return rows.map((row) => row.org_id);
}

/** Backfilled candidates by state, and how many reached HubSpot in the last `windowMs` (the rate). */
export async function backfillProgress(db: Db, orgId: string, now: Date, windowMs: number): Promise<{ pushed: number; failed: number; pending: number; recent: number }> {
  const rows = await queryRows<{ pushed: unknown; failed: unknown; pending: unknown; recent: unknown }>(
    db,
    `SELECT
       count(*) FILTER (WHERE status = 'done') AS pushed,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       count(*) FILTER (WHERE status = 'pending') AS pending,
       count(*) FILTER (WHERE status = 'done' AND pushed_at > ?) AS recent
     FROM hubspot_outbox WHERE org_id = ? AND priority = 1`,
    [new Date(now.getTime() - windowMs), orgId],
  );
  const row = rows[0];
  return { pushed: toCount(row?.pushed), failed: toCount(row?.failed), pending: toCount(row?.pending), recent: toCount(row?.recent) };
}
