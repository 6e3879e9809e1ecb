import type { Clock } from '../ports/ports.js';

/**
 * A portal's request budget as numbered slots: a portal allowed `max` requests per rolling window
 * has slots 0..max-1. Sending a request takes a slot; once HubSpot has answered, the slot frees one
 * window after the answer. HubSpot counts a request when it arrives, which is always between our
 * send and our receipt of the answer, so a slot re-used a window after the answer can never share
 * a window with the request it replaces, however late the first one arrived (arrival jitter, a
 * loaded machine) and however many processes take slots from the same store.
 *
 * `PortalBudget` is that store: in memory for one process (PGlite, tests) or in PostgreSQL for every
 * process sharing the database (see postgres-portal-budget.ts). All times are the store's own
 * clock (PostgreSQL's `clock_timestamp()`), so hosts with skewed clocks still agree.
 */
export interface PortalBudget {
  /**
   * Takes up to `count` slots among the portal's first `max` that are free now or within
   * `lookaheadMs` (taken ahead, so the statement's own latency is not lost); a slot's request must
   * not start before its `startsAt`. Each is held for `leaseMs` from then (a request that is never
   * answered frees its slot then). `waitMs`: when the next slot frees, as far as the store knows
   * now (0 = soon: another process is taking one right now).
   *
   * `paceMs` (backfill): the slots' requests start at least this far apart, continuing from the
   * portal's previous paced start in any process. A backfill spread evenly over the window keeps
   * slots freeing every `paceMs`, so a live request finds one soon; unpaced, the backfill would
   * spend the window in a burst, and that burst would repeat every window (each slot frees a
   * window after its own answer), leaving live results waiting seconds for the idle part.
   */
  take(portalId: number, request: TakeRequest): Promise<TakeResult>;
  /**
   * The slots' requests were answered (or never sent): each frees `afterMs` after `answeredAt`
   * (this process's `Date.now()` when the answer came; default: now). Stating the time of the
   * answer keeps a wait for a pool connection out of the window.
   */
  release(portalId: number, slots: readonly number[], token: string, afterMs: number, answeredAt?: number): Promise<void>;
  /** HubSpot answered 429: no slot of the portal frees before `ms` from now, for every process. */
  pause(portalId: number, ms: number): Promise<void>;
  /**
   * HubSpot says only `remaining` requests are left in its window, so at most that many of our
   * slots may be free: the others free `afterMs` from now (by then HubSpot's window has moved on).
   */
  limitFree(portalId: number, max: number, remaining: number, afterMs: number): Promise<void>;
}

export interface TakeRequest {
  max: number;
  count: number;
  leaseMs: number;
  lookaheadMs?: number;
  paceMs?: number;
}

export interface TakeResult {
  slots: number[];
  /** Per slot (same order): this process's `Date.now()` from which its request may start. */
  startsAt: number[];
  /** Identifies this take's hold: a release with another token (the lease lapsed, another took the slot) changes nothing. */
  token: string;
  waitMs: number;
}

interface Slot {
  freeAt: number;
  token: string | null;
}

/**
 * The budget for one process: the same rules as the shared one, in memory. PGlite runs in one
 * process, so nothing else can send for its portals through this database.
 */
export function createMemoryPortalBudget(clock: Clock = { now: () => Date.now() }): PortalBudget {
  const portals = new Map<number, Slot[]>();
  /** Per portal: no slot is handed out before this (a 429's pause). */
  const pausedUntil = new Map<number, number>();
  /** Per portal: the earliest start of the next paced request. */
  const pacedFrom = new Map<number, number>();
  let nextToken = 0;

  const slotsOf = (portalId: number, max: number): Slot[] => {
    let slots = portals.get(portalId);
    if (!slots) portals.set(portalId, (slots = []));
    while (slots.length < max) slots.push({ freeAt: Number.NEGATIVE_INFINITY, token: null });
    return slots;
  };

  return {
    async take(portalId, { max, count, leaseMs, lookaheadMs = 0, paceMs }) {
      const now = clock.now();
      const slots = slotsOf(portalId, max);
      const token = `m${(nextToken += 1)}`;
      const paused = pausedUntil.get(portalId) ?? Number.NEGATIVE_INFINITY;
      if (paused > now) return { slots: [], startsAt: [], token, waitMs: paused - now };
      const candidates = slots
        .slice(0, max)
        .map((slot, index) => ({ slot, index, startsAt: Math.max(now, slot.freeAt) }))
        .filter(({ slot }) => slot.freeAt <= now + lookaheadMs)
        .sort((a, b) => a.slot.freeAt - b.slot.freeAt || a.index - b.index)
        .slice(0, Math.max(0, count));
      let pace = pacedFrom.get(portalId) ?? Number.NEGATIVE_INFINITY;
      const free: typeof candidates = [];
      for (const candidate of candidates) {
        const startsAt = paceMs === undefined ? candidate.startsAt : Math.max(candidate.startsAt, pace);
        if (startsAt > now + lookaheadMs) break;
        free.push({ ...candidate, startsAt });
        if (paceMs !== undefined) pace = startsAt + paceMs;
      }
      if (paceMs !== undefined) pacedFrom.set(portalId, pace);
      for (const { slot, startsAt } of free) {
        slot.freeAt = startsAt + leaseMs;
        slot.token = token;
      }
      const taken = new Set(free.map(({ index }) => index));
      const later = slots.slice(0, max).filter((_, index) => !taken.has(index));
      const nextSlot = later.length === 0 ? now + leaseMs : Math.min(...later.map((slot) => slot.freeAt));
      const next = paceMs === undefined ? nextSlot : Math.max(nextSlot, pace);
      free.sort((a, b) => a.index - b.index);
      return { slots: free.map(({ index }) => index), startsAt: free.map(({ startsAt }) => startsAt), token, waitMs: Math.max(0, next - now) };
    },
    async release(portalId, released, token, afterMs, answeredAt) {
      const slots = portals.get(portalId) ?? [];
      const freeAt = Math.min(answeredAt ?? Number.POSITIVE_INFINITY, clock.now()) + afterMs;
      for (const index of released) {
        const slot = slots[index];
        if (slot && slot.token === token) {
          slot.freeAt = freeAt;
          slot.token = null;
        }
      }
    },
    async pause(portalId, ms) {
      pausedUntil.set(portalId, Math.max(pausedUntil.get(portalId) ?? Number.NEGATIVE_INFINITY, clock.now() + ms));
    },
    async limitFree(portalId, max, remaining, afterMs) {
      const now = clock.now();
      const free = slotsOf(portalId, max)
        .slice(0, max)
        .map((slot, index) => ({ slot, index }))
        .filter(({ slot }) => slot.freeAt <= now)
        .sort((a, b) => a.slot.freeAt - b.slot.freeAt || a.index - b.index);
      for (const { slot } of free.slice(Math.max(0, remaining))) slot.freeAt = now + afterMs;
    },
  };
}
