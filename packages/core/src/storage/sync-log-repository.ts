import type { Knex } from 'knex';
import { normalizeEmail } from '../mapping/map-invite.js';
import { syncLogEntryToRow, toSyncLogEntry, type NewSyncLogEntry, type SyncLogDbRow, type SyncLogEntry } from './rows.js';
import { execute, placeholders, queryRows, type Db } from './sql.js';

const TABLE = 'hubspot_sync_log';
const COLUMNS = [
  'org_id',
  'invite_id',
  'email',
  'outcome',
  'hubspot_contact_id',
  'error_code',
  'error_message',
  'correlation_id',
  'attempt',
  'created_at',
] as const;

export const DEFAULT_SYNC_LOG_PAGE_SIZE = 50;
export const MAX_SYNC_LOG_PAGE_SIZE = 500;

/**
 * Appends one entry per push outcome, in one INSERT. Entries hold ids, outcomes and error reasons:
 * never tokens or payloads (error messages are masked and capped in rows.ts).
 */
export async function appendSyncLog(db: Db, entries: readonly NewSyncLogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const bindings: Knex.RawBinding[] = [];
  for (const entry of entries) {
    const row = syncLogEntryToRow({ ...entry, email: normalizeEmail(entry.email) });
    for (const column of COLUMNS) bindings.push(row[column] as Knex.RawBinding);
  }
  const tuple = `(${placeholders(COLUMNS.length)})`;
  await execute(
    db,
    `INSERT INTO ${TABLE} (${COLUMNS.join(', ')}) VALUES ${entries.map(() => tuple).join(', ')}`,
    bindings,
  );
}

/** The org's most recent entries first (optionally of one invite). */
export async function listSyncLog(
  db: Db,
  orgId: string,
  options: { limit?: number; inviteId?: string } = {},
): Promise<SyncLogEntry[]> {
  const limit =
    options.limit === undefined || !Number.isFinite(options.limit)
      ? DEFAULT_SYNC_LOG_PAGE_SIZE
      : Math.min(MAX_SYNC_LOG_PAGE_SIZE, Math.max(1, Math.floor(options.limit)));
  const rows = await queryRows<SyncLogDbRow>(
    db,
    `SELECT * FROM ${TABLE}
     WHERE org_id = ? ${options.inviteId === undefined ? '' : 'AND invite_id = ?'}
     ORDER BY id DESC
     LIMIT ?`,
    [orgId, ...(options.inviteId === undefined ? [] : [options.inviteId]), limit],
  );
  return rows.map(toSyncLogEntry);
}

/** Retention: deletes entries created before `before`. Returns how many. */
export async function pruneSyncLog(db: Db, before: Date): Promise<number> {
  return execute(db, `DELETE FROM ${TABLE} WHERE created_at < ?`, [before]);
}

/** GDPR: the org's entries about this email. Returns how many. */
export async function deleteSyncLogByEmail(db: Db, orgId: string, email: string): Promise<number> {
  return execute(db, `DELETE FROM ${TABLE} WHERE org_id = ? AND email = ?`, [orgId, normalizeEmail(email)]);
}

/** GDPR: the org's entries about this HubSpot contact. Returns how many. */
export async function deleteSyncLogByContact(db: Db, orgId: string, contactId: string): Promise<number> {
  return execute(db, `DELETE FROM ${TABLE} WHERE org_id = ? AND hubspot_contact_id = ?`, [orgId, contactId]);
}
