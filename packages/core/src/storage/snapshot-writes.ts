/**
 * Writing a candidate's snapshot into the outbox, one at a time (enqueue) or a page at a time (the
 * backfill, the nightly sweep), by the merge rules of `queue/snapshot-merge.ts`. Split from
 * outbox-repository.ts, which claims, leases and settles the rows these write.
 */
import type { Knex } from 'knex';
import { normalizeEmail, type MergePolicy } from '../mapping/map-invite.js';
import { decideSnapshotMerge } from '../queue/snapshot-merge.js';
import { toOutboxRow, type OutboxDbRow, type OutboxRow, type SnapshotKind } from './rows.js';
import { execute, inTransaction, queryRows, recordsParam, type Db } from './sql.js';

const TABLE = 'hubspot_outbox';

export interface SnapshotInput {
  orgId: string;
  /** Normalized again here, so every path (enqueue, GDPR purge) agrees on the key. */
  email: string;
  inviteId: string;
  snapshot: SnapshotKind;
  /** The invite's own updated-at: orders snapshots of the same kind. */
  inviteUpdatedAt: Date;
  /** The invite as the host gave it; stored as jsonb. */
  payload: unknown;
}

export type UpsertSnapshotResult =
  | { outcome: 'inserted' | 'replaced' | 'carried'; row: OutboxRow }
  | { outcome: 'ignored'; reason: 'stale' | 'partial_after_completed' };

/**
 * Stores the snapshot as the candidate's latest, by the rules of `decideSnapshotMerge` (same
 * invite: completed beats partial, newer beats older; different invites: the most recent activity
 * wins; `latest-per-test` carries finished tests of earlier invites not yet pushed).
 * A replacement resets the row to pending, attempts 0, due now, error cleared, version + 1; it keeps
 * the lease (see the file comment), the contact id, pushed_at and a pending read-back (verify_at).
 * Invalid snapshots never come here: they are kept apart (failures-repository.ts).
 *
 * A new candidate is one INSERT … ON CONFLICT DO NOTHING (the common case, one round trip). An
 * existing one is decided under the row's lock (SELECT … FOR UPDATE), so concurrent enqueues of the
 * same candidate serialise and each is judged against the committed winner.
 */
export async function upsertSnapshot(db: Db, input: SnapshotInput, now: Date, policy: MergePolicy = 'latest-per-test', priority: 0 | 1 = 0): Promise<UpsertSnapshotResult> {
  const email = normalizeEmail(input.email);
  const payload = JSON.stringify(input.payload ?? null);
  const inserted = await queryRows<OutboxDbRow>(
    db,
    `INSERT INTO ${TABLE} (
       org_id, email, invite_id, snapshot, invite_updated_at, payload, status, version, attempts,
       next_attempt_at, priority, enqueued_at, created_at, updated_at
     ) VALUES (?, ?, ?, ?, ?, CAST(? AS jsonb), 'pending', 1, 0, ?, ?, ?, ?, ?)
     ON CONFLICT (org_id, email) DO NOTHING
     RETURNING *`,
    [input.orgId, email, input.inviteId, input.snapshot, input.inviteUpdatedAt, payload, now, priority, now, now, now],
  );
  if (inserted[0] !== undefined) return { outcome: 'inserted', row: toOutboxRow(inserted[0]) };

  return inTransaction(db, async (trx) => {
    const locked = await queryRows<OutboxDbRow>(trx, `SELECT * FROM ${TABLE} WHERE org_id = ? AND email = ? FOR UPDATE`, [input.orgId, email]);
    // Deleted between the two statements (a GDPR purge): the next enqueue inserts it afresh.
    if (locked[0] === undefined) return { outcome: 'ignored', reason: 'stale' } as const;
    const existing = toOutboxRow(locked[0]);
    const decision = decideSnapshotMerge(existing, { inviteId: input.inviteId, snapshot: input.snapshot, inviteUpdatedAt: input.inviteUpdatedAt, payload: input.payload }, policy);
    if (decision.action === 'ignore') return { outcome: 'ignored', reason: decision.reason } as const;
    const replacing = decision.action === 'replace';
    const rows = await queryRows<OutboxDbRow>(
      trx,
      `UPDATE ${TABLE} SET
         invite_id = ?, snapshot = ?, invite_updated_at = ?, payload = CAST(? AS jsonb), carried = CAST(? AS jsonb),
         priority = CASE WHEN status = 'pending' THEN LEAST(priority, ?) ELSE ? END,
         status = 'pending', version = version + 1, attempts = 0, next_attempt_at = ?,
         last_error_code = NULL, last_error_message = NULL, last_error_details = NULL, failing_since = NULL,
         enqueued_at = ?, updated_at = ?
       WHERE id = ?
       RETURNING *`,
      [
        replacing ? input.inviteId : existing.inviteId,
        replacing ? input.snapshot : existing.snapshot,
        replacing ? input.inviteUpdatedAt : existing.inviteUpdatedAt,
        replacing ? payload : JSON.stringify(existing.payload ?? null),
        JSON.stringify(decision.carried),
        priority,
        priority,
        now,
        now,
        now,
        existing.id,
      ],
    );
    return { outcome: replacing ? 'replaced' : 'carried', row: toOutboxRow(rows[0]!) } as const;
  });
}

export interface BatchUpsertResult {
  inserted: number;
  replaced: number;
  carried: number;
  ignored: number;
}

/**
 * `upsertSnapshot` for a page of snapshots (the backfill, the nightly sweep): the same rules, in a
 * few statements per page instead of one round trip per invite. New candidates are one
 * INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING; the existing ones are locked together
 * (SELECT … FOR UPDATE), decided by `decideSnapshotMerge` one by one, and written in one UPDATE.
 * `priority` 1 marks backfilled rows: claims take live rows (0) first. A replacement keeps the
 * lower of the two priorities, so a live row never sinks behind a backfill.
 */
export async function upsertSnapshots(db: Db, inputs: readonly SnapshotInput[], now: Date, options: { policy?: MergePolicy; priority?: 0 | 1 } = {}): Promise<BatchUpsertResult> {
  const result: BatchUpsertResult = { inserted: 0, replaced: 0, carried: 0, ignored: 0 };
  if (inputs.length === 0) return result;
  const policy = options.policy ?? 'latest-per-test';
  const priority = options.priority ?? 0;
  // One snapshot per candidate in a page; a second one for the same candidate goes through the
  // single path afterwards, judged against the first.
  const firsts = new Map<string, SnapshotInput>();
  const repeats: SnapshotInput[] = [];
  for (const input of inputs) {
    const key = `${input.orgId}\u0000${normalizeEmail(input.email)}`;
    if (firsts.has(key)) repeats.push(input);
    else firsts.set(key, { ...input, email: normalizeEmail(input.email) });
  }
  // Rows in one order for every page writer, so two pages never wait on each other in a cycle.
  const page = [...firsts.values()].sort((a, b) => (a.orgId === b.orgId ? (a.email < b.email ? -1 : a.email > b.email ? 1 : 0) : a.orgId < b.orgId ? -1 : 1));
  const inserted = await queryRows<{ org_id: string; email: string }>(
    db,
    `INSERT INTO ${TABLE} (
       org_id, email, invite_id, snapshot, invite_updated_at, payload, status, version, attempts,
       next_attempt_at, priority, enqueued_at, created_at, updated_at
     )
     SELECT u.org_id, u.email, u.invite_id, u.snapshot, u.invite_updated_at, COALESCE(u.payload, 'null'::jsonb), 'pending', 1, 0, ?, ?, ?, ?, ?
     FROM jsonb_to_recordset(CAST(? AS jsonb)) AS u(org_id text, email text, invite_id text, snapshot text, invite_updated_at timestamptz, payload jsonb)
     ON CONFLICT (org_id, email) DO NOTHING
     RETURNING org_id, email`,
    [
      now,
      priority,
      now,
      now,
      now,
      recordsParam(page.map((input) => ({ org_id: input.orgId, email: input.email, invite_id: input.inviteId, snapshot: input.snapshot, invite_updated_at: input.inviteUpdatedAt.toISOString(), payload: input.payload ?? null }))),
    ],
  );
  result.inserted = inserted.length;
  const done = new Set(inserted.map((row) => `${row.org_id}\u0000${row.email}`));
  const existing = page.filter((input) => !done.has(`${input.orgId}\u0000${input.email}`));
  if (existing.length > 0) {
    await inTransaction(db, async (trx) => {
      const locked = await queryRows<OutboxDbRow>(
        trx,
        `SELECT o.* FROM ${TABLE} AS o
         JOIN unnest(?::text[], ?::text[]) AS k(org_id, email) ON k.org_id = o.org_id AND k.email = o.email
         ORDER BY o.org_id, o.email
         FOR UPDATE OF o`,
        [existing.map((input) => input.orgId), existing.map((input) => input.email)] as unknown as Knex.RawBinding[],
      );
      const rows = new Map(locked.map((row) => [`${row.org_id}\u0000${row.email}`, toOutboxRow(row)]));
      const updates: Array<{ id: string; invite_id: string; snapshot: string; invite_updated_at: string; payload: unknown; carried: unknown; priority: number }> = [];
      for (const input of existing) {
        const row = rows.get(`${input.orgId}\u0000${input.email}`);
        if (!row) {
          result.ignored += 1;
          continue;
        }
        const decision = decideSnapshotMerge(row, input, policy);
        if (decision.action === 'ignore') {
          result.ignored += 1;
          continue;
        }
        const replacing = decision.action === 'replace';
        if (replacing) result.replaced += 1;
        else result.carried += 1;
        updates.push({
          id: row.id,
          invite_id: replacing ? input.inviteId : row.inviteId,
          snapshot: replacing ? input.snapshot : row.snapshot,
          invite_updated_at: (replacing ? input.inviteUpdatedAt : row.inviteUpdatedAt).toISOString(),
          payload: (replacing ? input.payload : row.payload) ?? null,
          carried: decision.carried,
          // A row that is waiting as live stays live; a done row re-queued by a backfill is backfill work.
          priority: row.status === 'pending' ? Math.min(row.priority, priority) : priority,
        });
      }
      if (updates.length === 0) return;
      await execute(
        trx,
        `UPDATE ${TABLE} AS t SET
           invite_id = v.invite_id, snapshot = v.snapshot, invite_updated_at = v.invite_updated_at, payload = COALESCE(v.payload, 'null'::jsonb),
           carried = v.carried, priority = v.priority, status = 'pending', version = t.version + 1, attempts = 0,
           next_attempt_at = ?, last_error_code = NULL, last_error_message = NULL, last_error_details = NULL, failing_since = NULL,
           enqueued_at = ?, updated_at = ?
         FROM jsonb_to_recordset(CAST(? AS jsonb))
           AS v(id bigint, invite_id text, snapshot text, invite_updated_at timestamptz, payload jsonb, carried jsonb, priority smallint)
         WHERE t.id = v.id`,
        [now, now, now, recordsParam(updates)],
      );
    });
  }
  for (const input of repeats) {
    const single = await upsertSnapshot(db, input, now, policy, priority);
    if (single.outcome === 'ignored') result.ignored += 1;
    else if (single.outcome === 'carried') result.carried += 1;
    else result.replaced += 1;
  }
  return result;
}

