import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { isSingleConnection } from '../storage/database.js';
import { execute, queryRows } from '../storage/sql.js';
import { createMemoryPortalBudget, type PortalBudget } from './portal-budget.js';

/** Rows of `hubspot_portal_budget_slots` (migration 003): one per portal and slot. */
const TABLE = 'hubspot_portal_budget_slots';
/** The row whose `free_at` is the end of the portal's pause (after a 429): no slot is taken before it. */
const PAUSE_SLOT = -1;

/**
 * The portal budget shared by every process on one PostgreSQL database: each slot is a row, and
 * taking slots is one statement (`FOR UPDATE SKIP LOCKED`, so processes taking at the same moment
 * never wait for each other and never get the same slot). Every time is PostgreSQL's
 * `clock_timestamp()`: hosts whose clocks disagree still share one window.
 */
export function createPostgresPortalBudget(db: Knex): PortalBudget {
  /** (portal, max) pairs whose slot rows this process has made sure exist. */
  const ensured = new Set<string>();

  async function ensureSlots(portalId: number, max: number): Promise<void> {
    const key = `${portalId}:${max}`;
    if (ensured.has(key)) return;
    // New slots are free at once: a larger max means HubSpot allows more in the same window.
    await execute(db, `INSERT INTO ${TABLE} (portal_id, slot) SELECT ?, generate_series(0, ? - 1) ON CONFLICT DO NOTHING`, [portalId, max]);
    ensured.add(key);
  }

  return {
    async take(portalId, { max, count, leaseMs }) {
      await ensureSlots(portalId, max);
      const token = randomUUID();
      const [row] = await queryRows<{ slots: number[] | null; wait_ms: string | number | null }>(
        db,
        `WITH free AS (
           SELECT slot FROM ${TABLE}
           WHERE portal_id = ? AND slot >= 0 AND slot < ? AND free_at <= clock_timestamp()
             AND NOT EXISTS (SELECT 1 FROM ${TABLE} p WHERE p.portal_id = ? AND p.slot = ${PAUSE_SLOT} AND p.free_at > clock_timestamp())
           ORDER BY free_at, slot
           LIMIT ?
           FOR UPDATE SKIP LOCKED
         ), taken AS (
           UPDATE ${TABLE} AS s SET free_at = clock_timestamp() + ? * interval '1 millisecond', token = ?
           FROM free WHERE s.portal_id = ? AND s.slot = free.slot
           RETURNING s.slot
         )
         SELECT
           (SELECT array_agg(slot ORDER BY slot) FROM taken) AS slots,
           (SELECT extract(epoch FROM greatest(
                (SELECT min(free_at) FROM ${TABLE} WHERE portal_id = ? AND slot >= 0 AND slot < ? AND slot NOT IN (SELECT slot FROM taken)),
                (SELECT free_at FROM ${TABLE} WHERE portal_id = ? AND slot = ${PAUSE_SLOT}),
                clock_timestamp()
              ) - clock_timestamp()) * 1000) AS wait_ms`,
        [portalId, max, portalId, Math.max(0, count), leaseMs, token, portalId, portalId, max, portalId],
      );
      const waitMs = row?.wait_ms === null || row?.wait_ms === undefined ? leaseMs : Number(row.wait_ms);
      return { slots: (row?.slots ?? []).map(Number), token, waitMs: Number.isFinite(waitMs) ? Math.max(0, waitMs) : leaseMs };
    },

    async release(portalId, slots, token, afterMs) {
      if (slots.length === 0) return;
      await execute(db, `UPDATE ${TABLE} SET free_at = clock_timestamp() + ? * interval '1 millisecond', token = NULL WHERE portal_id = ? AND slot = ANY(?::integer[]) AND token = ?`, [
        afterMs,
        portalId,
        [...slots],
        token,
      ]);
    },

    async pause(portalId, ms) {
      await execute(
        db,
        `INSERT INTO ${TABLE} (portal_id, slot, free_at) VALUES (?, ${PAUSE_SLOT}, clock_timestamp() + ? * interval '1 millisecond')
         ON CONFLICT (portal_id, slot) DO UPDATE SET free_at = greatest(${TABLE}.free_at, excluded.free_at)`,
        [portalId, ms],
      );
    },

    async limitFree(portalId, max, remaining, afterMs) {
      await execute(
        db,
        `UPDATE ${TABLE} SET free_at = clock_timestamp() + ? * interval '1 millisecond'
         WHERE portal_id = ? AND slot IN (
           SELECT slot FROM ${TABLE}
           WHERE portal_id = ? AND slot >= 0 AND slot < ? AND free_at <= clock_timestamp()
           ORDER BY free_at, slot
           OFFSET ?
           FOR UPDATE SKIP LOCKED)`,
        [afterMs, portalId, portalId, max, Math.max(0, remaining)],
      );
    },
  };
}

/**
 * The budget the integration uses: shared through PostgreSQL, or in memory on PGlite (one
 * connection in one process: no other process can send for its portals, and a statement per
 * request on its single connection would only slow the drain down).
 */
export function createPortalBudget(db: Knex): PortalBudget {
  return isSingleConnection(db) ? createMemoryPortalBudget() : createPostgresPortalBudget(db);
}
