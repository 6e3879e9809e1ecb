import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { isSingleConnection } from '../storage/database.js';
import { execute, queryRows } from '../storage/sql.js';
import { createMemoryPortalBudget, type PortalBudget } from './portal-budget.js';

/** Rows of `hubspot_portal_budget_slots` (migration 003): one per portal and slot. */
const TABLE = 'hubspot_portal_budget_slots';
/** The row whose `free_at` is the end of the portal's pause (after a 429): no slot is taken before it. */
const PAUSE_SLOT = -1;
/** The row whose `free_at` is the earliest start of the portal's next paced (backfill) request. */
const PACE_SLOT = -2;

/**
 * The portal budget shared by every process on one PostgreSQL database: each slot is a row, and
 * taking slots is one statement (`FOR UPDATE SKIP LOCKED`, so processes taking at the same moment
 * never wait for each other and never get the same slot). Every time is PostgreSQL's
 * `clock_timestamp()`: hosts whose clocks disagree still share one window.
 */
export function createPostgresPortalBudget(db: Knex): PortalBudget {
  /** (portal, max) pairs whose slot rows this process has made sure exist. */
  const ensured = new Set<string>();
  const clock = createClockOffset();

  async function ensureSlots(portalId: number, max: number): Promise<void> {
    const key = `${portalId}:${max}`;
    if (ensured.has(key)) return;
    // New slots are free at once: a larger max means HubSpot allows more in the same window.
    await execute(db, `INSERT INTO ${TABLE} (portal_id, slot) SELECT ?::bigint, generate_series(0, ?::integer - 1) UNION ALL SELECT ?::bigint, ${PACE_SLOT} ON CONFLICT DO NOTHING`, [portalId, max, portalId]);
    ensured.add(key);
  }

  return {
    async take(portalId, { max, count, leaseMs, lookaheadMs = 0, paceMs }) {
      await ensureSlots(portalId, max);
      const token = randomUUID();
      const sentAt = Date.now();
      const paced = paceMs !== undefined;
      const lookahead = Math.max(0, lookaheadMs);
      // Paced (backfill): the k-th slot taken starts at k × pace after the portal's last paced
      // start, or when it frees if later; the running max keeps each start a pace after the one
      // before it (the closed form of start(k) = max(free(k), start(k-1) + pace)). The pace row
      // is locked, so paced takes of every process line up behind each other; slot rows are still
      // taken with SKIP LOCKED, so an unpaced (live) take never waits for a paced one.
      const [row] = await queryRows<{ slots: number[] | null; starts: Array<string | number> | null; wait_ms: string | number | null; db_now: string | number }>(
        db,
        `WITH pace AS (
           SELECT free_at AS at FROM ${TABLE} WHERE portal_id = ? AND slot = ${PACE_SLOT} AND ?::boolean FOR UPDATE
         ), candidates AS (
           SELECT slot, greatest(free_at, clock_timestamp()) AS free_start FROM ${TABLE}
           WHERE portal_id = ? AND slot >= 0 AND slot < ? AND free_at <= clock_timestamp() + ?::double precision * interval '1 millisecond'
             AND NOT EXISTS (SELECT 1 FROM ${TABLE} p WHERE p.portal_id = ? AND p.slot = ${PAUSE_SLOT} AND p.free_at > clock_timestamp())
           ORDER BY free_at, slot
           LIMIT ?
           FOR UPDATE SKIP LOCKED
         ), ranked AS (
           SELECT slot, free_start, row_number() OVER (ORDER BY free_start, slot) - 1 AS k FROM candidates
         ), scheduled AS (
           SELECT slot, ${
             paced
               ? `k * ?::double precision * interval '1 millisecond' + greatest(
                    coalesce((SELECT at FROM pace), '-infinity'::timestamptz),
                    max(free_start - k * ?::double precision * interval '1 millisecond') OVER (ORDER BY free_start, slot ROWS UNBOUNDED PRECEDING))`
               : 'free_start'
           } AS starts_at FROM ranked
         ), free AS (
           SELECT slot, starts_at FROM scheduled WHERE starts_at <= clock_timestamp() + ?::double precision * interval '1 millisecond'
         ), taken AS (
           UPDATE ${TABLE} AS s SET free_at = free.starts_at + ?::double precision * interval '1 millisecond', token = ?
           FROM free WHERE s.portal_id = ? AND s.slot = free.slot
           RETURNING s.slot, free.starts_at
         ), paced AS (
           UPDATE ${TABLE} SET free_at = (SELECT max(starts_at) FROM taken) + ?::double precision * interval '1 millisecond'
           WHERE portal_id = ? AND slot = ${PACE_SLOT} AND ?::boolean AND EXISTS (SELECT 1 FROM taken)
           RETURNING free_at
         )
         SELECT
           (SELECT array_agg(slot ORDER BY slot) FROM taken) AS slots,
           (SELECT array_agg(extract(epoch FROM starts_at) * 1000 ORDER BY slot) FROM taken) AS starts,
           (SELECT extract(epoch FROM greatest(
                (SELECT min(free_at) FROM ${TABLE} WHERE portal_id = ? AND slot >= 0 AND slot < ? AND slot NOT IN (SELECT slot FROM taken)),
                (SELECT free_at FROM ${TABLE} WHERE portal_id = ? AND slot = ${PAUSE_SLOT}),
                coalesce((SELECT free_at FROM paced), (SELECT at FROM pace)),
                clock_timestamp()
              ) - clock_timestamp()) * 1000) AS wait_ms,
           extract(epoch FROM clock_timestamp()) * 1000 AS db_now`,
        [
          portalId,
          paced,
          portalId,
          max,
          lookahead,
          portalId,
          Math.max(0, count),
          ...(paced ? [paceMs, paceMs] : []),
          lookahead,
          leaseMs,
          token,
          portalId,
          paceMs ?? 0,
          portalId,
          paced,
          portalId,
          max,
          portalId,
        ],
      );
      clock.sample(sentAt, Number(row?.db_now), Date.now());
      const waitMs = row?.wait_ms === null || row?.wait_ms === undefined ? leaseMs : Number(row.wait_ms);
      return {
        slots: (row?.slots ?? []).map(Number),
        startsAt: (row?.starts ?? []).map((at) => clock.toLocalNotBefore(Number(at))),
        token,
        waitMs: Number.isFinite(waitMs) ? Math.max(0, waitMs) : leaseMs,
      };
    },

    async release(portalId, slots, token, afterMs, answeredAt) {
      if (slots.length === 0) return;
      // Stated in the database's clock from the time of the answer (the latest database time it
      // can have been), so waiting for a pool connection does not keep the slot longer.
      const answeredDb = answeredAt === undefined ? null : clock.toDatabaseNotBefore(answeredAt);
      await execute(
        db,
        `UPDATE ${TABLE} SET free_at = ${answeredDb === null ? 'clock_timestamp()' : 'to_timestamp(?::double precision / 1000)'} + ?::double precision * interval '1 millisecond', token = NULL
         WHERE portal_id = ? AND slot = ANY(?::integer[]) AND token = ?`,
        [...(answeredDb === null ? [] : [answeredDb]), afterMs, portalId, [...slots], token],
      );
    },

    async pause(portalId, ms) {
      await execute(
        db,
        `INSERT INTO ${TABLE} (portal_id, slot, free_at) VALUES (?, ${PAUSE_SLOT}, clock_timestamp() + ?::double precision * interval '1 millisecond')
         ON CONFLICT (portal_id, slot) DO UPDATE SET free_at = greatest(${TABLE}.free_at, excluded.free_at)`,
        [portalId, ms],
      );
    },

    async limitFree(portalId, max, remaining, afterMs) {
      await execute(
        db,
        `UPDATE ${TABLE} SET free_at = clock_timestamp() + ?::double precision * interval '1 millisecond'
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
 * Bounds on (database clock - this process's clock), from the take statements' round trips: the
 * database read its clock after we sent and before we got the answer. Only the tightest recent
 * bounds are kept, so a slow round trip (a wait for a pool connection) widens nothing.
 */
function createClockOffset() {
  const SAMPLES = 64;
  const upper: number[] = [];
  const lower: number[] = [];
  const push = (list: number[], value: number) => {
    list.push(value);
    if (list.length > SAMPLES) list.shift();
  };
  return {
    sample(sentAt: number, dbNow: number, receivedAt: number) {
      if (!Number.isFinite(dbNow)) return;
      push(upper, dbNow - sentAt);
      push(lower, dbNow - receivedAt);
    },
    /** The latest database time that local time `at` can be: null before any sample. */
    toDatabaseNotBefore(at: number): number | null {
      return upper.length === 0 ? null : at + Math.min(...upper);
    },
    /** A local time by which database time `at` has certainly passed. */
    toLocalNotBefore(at: number): number {
      return lower.length === 0 ? Date.now() : at - Math.max(...lower);
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
