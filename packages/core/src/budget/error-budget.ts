import type { Clock, Logger } from '../ports/ports.js';
import { execute, queryRows, type Db } from '../storage/sql.js';
import { toCount } from '../storage/rows.js';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
/** HubSpot asks listed apps to keep error answers under 5 % of requests; the kit acts at 2 %. */
export const ERROR_BUDGET_THRESHOLD = 0.02;
/** Under this many requests in 24 h a ratio says nothing (three 503s of fifty requests is not a trend). */
const MIN_REQUESTS = 200;
/** The share of the portal's limit used while over budget. */
const LOWERED_FACTOR = 0.5;
const FLUSH_MS = 10_000;
const REFRESH_MS = 60_000;

export interface ErrorBudgetState {
  /** Error answers / requests over the last 24 hours, every process together (null: too few requests). */
  ratio: number | null;
  /** The portal's send rate is lowered while the ratio is above the threshold. */
  lowered: boolean;
}

/**
 * The daily error budget per portal. Every answer is counted in memory and added to an hourly
 * row every 10 s (one statement per portal and hour, summed across processes); the rolling 24-hour
 * ratio is read back at most once a minute per portal. Above 2 % the portal's limiter uses half its
 * window, so a portal with trouble (rejected inputs, outages) stops spending the app's error budget
 * at full speed, and the status says so.
 */
export function createErrorBudget(deps: { db: Db; clock: Clock; logger: Logger }) {
  const pending = new Map<string, { portalId: number; hour: number; requests: number; errors: number }>();
  const states = new Map<number, ErrorBudgetState & { readAt: number }>();
  let timer: NodeJS.Timeout | undefined;

  function record(portalId: number, status: number): void {
    const hour = Math.floor(deps.clock.now() / HOUR_MS) * HOUR_MS;
    const key = `${portalId}:${hour}`;
    const entry = pending.get(key) ?? { portalId, hour, requests: 0, errors: 0 };
    entry.requests += 1;
    if (status >= 400) entry.errors += 1;
    pending.set(key, entry);
    if (timer === undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        void flush();
      }, FLUSH_MS);
      timer.unref?.();
    }
  }

  async function flush(): Promise<void> {
    const entries = [...pending.values()];
    pending.clear();
    for (const entry of entries) {
      try {
        await execute(
          deps.db,
          `INSERT INTO hubspot_portal_error_budget (portal_id, hour, requests, errors) VALUES (?, ?, ?, ?)
           ON CONFLICT (portal_id, hour) DO UPDATE SET requests = hubspot_portal_error_budget.requests + EXCLUDED.requests, errors = hubspot_portal_error_budget.errors + EXCLUDED.errors`,
          [entry.portalId, new Date(entry.hour), entry.requests, entry.errors],
        );
      } catch (error) {
        deps.logger.warn('could not record the error budget', { portalId: entry.portalId, message: (error as Error).message });
      }
    }
  }

  async function read(portalId: number): Promise<ErrorBudgetState> {
    const now = deps.clock.now();
    const cached = states.get(portalId);
    if (cached && now - cached.readAt < REFRESH_MS) return cached;
    const rows = await queryRows<{ requests: unknown; errors: unknown }>(
      deps.db,
      `SELECT coalesce(sum(requests), 0) AS requests, coalesce(sum(errors), 0) AS errors FROM hubspot_portal_error_budget WHERE portal_id = ? AND hour > ?`,
      [portalId, new Date(now - DAY_MS)],
    );
    const requests = toCount(rows[0]?.requests);
    const errors = toCount(rows[0]?.errors);
    const ratio = requests < MIN_REQUESTS ? null : errors / requests;
    const state = { ratio, lowered: ratio !== null && ratio > ERROR_BUDGET_THRESHOLD, readAt: now };
    if (state.lowered && !cached?.lowered) deps.logger.warn('portal over its daily error budget: sending at half rate', { portalId, ratio: Math.round(ratio! * 1000) / 1000 });
    states.set(portalId, state);
    return state;
  }

  /** The share of its window a portal may use now (the limiter asks before each take). */
  function factor(portalId: number): number {
    const state = states.get(portalId);
    if (!state || deps.clock.now() - state.readAt >= REFRESH_MS) void read(portalId).catch(() => undefined);
    return state?.lowered ? LOWERED_FACTOR : 1;
  }

  async function close(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    await flush();
  }

  /** Hours older than this are pruned by maintenance. */
  async function prune(): Promise<number> {
    return execute(deps.db, `DELETE FROM hubspot_portal_error_budget WHERE hour < ?`, [new Date(deps.clock.now() - 2 * DAY_MS)]);
  }

  return { record, flush, read, factor, close, prune };
}

export type ErrorBudget = ReturnType<typeof createErrorBudget>;
