import type { Knex } from 'knex';
import { queryRows } from '../storage/sql.js';

/** The outbox as a gauge sees it: rows by state and how late the oldest due row is. */
export interface OutboxFigures {
  /** Pending rows of connected orgs (due now or later). */
  pending: number;
  /** Pending rows whose org is not connected (must reconnect, disconnected, never connected). */
  held: number;
  failed: number;
  done: number;
  /** Seconds the oldest due pending row (of a connected org) has waited past its due time; 0 when none is due. */
  oldestDueAgeSeconds: number;
  /** When these figures were read (ISO 8601). */
  measuredAt: string;
}

/**
 * One statement over the whole outbox. `done` rows only ever grow, so this is a scan, which is why
 * its callers cache the answer (see createOutboxFigures) rather than run it on every collection.
 * Same "held" definition as the per-org queue counts: pending while the org is not connected.
 */
export async function readOutboxFigures(db: Knex, now: Date): Promise<OutboxFigures> {
  const [row] = await queryRows<{ pending: unknown; held: unknown; failed: unknown; done: unknown; oldest_due: Date | string | null }>(
    db,
    `SELECT
       count(*) FILTER (WHERE o.status = 'pending' AND c.status = 'connected') AS pending,
       count(*) FILTER (WHERE o.status = 'pending' AND (c.status IS NULL OR c.status <> 'connected')) AS held,
       count(*) FILTER (WHERE o.status = 'failed') AS failed,
       count(*) FILTER (WHERE o.status = 'done') AS done,
       min(o.next_attempt_at) FILTER (WHERE o.status = 'pending' AND c.status = 'connected' AND o.next_attempt_at <= ?) AS oldest_due
     FROM hubspot_outbox AS o
     LEFT JOIN hubspot_connections AS c ON c.org_id = o.org_id`,
    [now],
  );
  const oldestDue = row?.oldest_due == null ? null : new Date(row.oldest_due).getTime();
  return {
    pending: Number(row?.pending ?? 0),
    held: Number(row?.held ?? 0),
    failed: Number(row?.failed ?? 0),
    done: Number(row?.done ?? 0),
    oldestDueAgeSeconds: oldestDue === null ? 0 : Math.max(0, (now.getTime() - oldestDue) / 1000),
    measuredAt: now.toISOString(),
  };
}

export interface OutboxFiguresCache {
  /** Figures at most `maxAgeMs` old (0: read now). Concurrent callers share one query. */
  read(maxAgeMs: number): Promise<OutboxFigures>;
}

/**
 * Reads the outbox figures on demand and keeps the answer for a while. No timer: nothing runs while
 * nobody collects. A collection (Prometheus scrape, OTLP export interval) older than the cache runs
 * one query; several readers, or a reader collecting every second, still cost one query per
 * `maxAgeMs` per process.
 */
export function createOutboxFigures(db: Knex, now: () => Date): OutboxFiguresCache {
  let last: { figures: OutboxFigures; at: number } | null = null;
  let inFlight: Promise<OutboxFigures> | null = null;
  return {
    read(maxAgeMs) {
      const at = now();
      if (last && maxAgeMs > 0 && at.getTime() - last.at <= maxAgeMs) return Promise.resolve(last.figures);
      if (inFlight) return inFlight;
      inFlight = readOutboxFigures(db, at)
        .then((figures) => {
          last = { figures, at: at.getTime() };
          return figures;
        })
        .finally(() => {
          inFlight = null;
        });
      return inFlight;
    },
  };
}
