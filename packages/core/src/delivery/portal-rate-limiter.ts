import { createMemoryPortalBudget, type PortalBudget } from '../budget/portal-budget.js';
import { HubSpotCallError } from '../hubspot/hubspot-call-error.js';
import type { Logger } from '../ports/ports.js';

export interface PortalRateLimitOptions {
  /** Requests allowed per rolling interval for this portal until HubSpot's headers say otherwise. */
  maxRequests: number;
  intervalMs: number;
  /**
   * Added to the window after each answer: HubSpot's own window may count in coarser steps than
   * ours. (Arrival jitter needs no margin: a slot frees a window after the answer, see PortalBudget.)
   */
  safetyMarginMs: number;
  /** Requests in flight at once per portal, in this process. */
  concurrency: number;
  /**
   * How long a slot stays taken when its call never answers: at least the request timeout, so a
   * request still on its way (a cancelled call's socket is left to finish) cannot arrive after it.
   */
  leaseMs: number;
  /**
   * A ceiling the host chose (`rateLimit.maxRequests`): HubSpot's `X-HubSpot-RateLimit-Max` may
   * lower the budget but never raise it above this. Without one, the header's value is used.
   */
  ceiling?: number;
}

export const DEFAULT_PORTAL_RATE_LIMIT: PortalRateLimitOptions = {
  maxRequests: 100,
  intervalMs: 10_000,
  safetyMarginMs: 100,
  concurrency: 8,
  leaseMs: 40_000,
};

export interface PortalRateLimiterDeps {
  logger: Logger;
  /** Where the portal's slots live: PostgreSQL for every process, or memory for this one. */
  budget?: PortalBudget;
  /** Called with HubSpot's own ceiling when a header announces a new one (stored on the connection). */
  onMaxLearned?: (max: number) => void;
  /** The share (0–1] of its window the portal may use now: lowered while over its daily error budget. */
  share?: (portalId: number) => number;
  /** Every answer's status (the daily error budget counts them). */
  onAnswer?: (portalId: number, status: number) => void;
  /** Calls in flight against the portal's limit, after each change (the budget-in-use metric). */
  onBudget?: (portalId: number, inUse: number, max: number) => void;
}

/**
 * `live`: results completed now (and the kit's own calls); `backfill`: past results. Live calls go
 * first and take any free slot; backfill calls are paced over the window (see PortalBudget.take)
 * and leave some of the concurrency to live ones, so a live result waits behind at most the next
 * slot to free, never behind a backlog.
 */
export type RequestLane = 'live' | 'backfill';

interface Waiter {
  resolve: (grant: Grant) => void;
  reject: (error: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Grant {
  slot: number;
  token: string;
}

/**
 * Slots are taken this long before they free (each call then waits for its slot's time), so the
 * budget statement's own latency (and a wait for a pool connection) does not leave the window idle.
 */
const LOOKAHEAD_MS = 500;
/** After a take that found no slot: retry within this (plus jitter) when another process held the free ones. */
const CONTENDED_RETRY_MS = 10;
/** When the budget store fails (the database is unreachable): wait this long before asking again. */
const STORE_RETRY_MS = 1_000;
/** Calls of the concurrency only live ones may use: a live result never waits for backfill calls to answer. */
const LIVE_CONCURRENCY_RESERVE = 2;

/**
 * One portal's limiter in this process: a FIFO of calls, at most `concurrency` in flight, each
 * holding one slot of the portal's budget (shared with every other process when the budget is
 * PostgreSQL's). It learns the ceiling and interval from HubSpot's headers, frees fewer slots when
 * `X-HubSpot-RateLimit-Remaining` says the window is nearly spent, and pauses the whole portal
 * (every process) on a 429.
 */
export class PortalRateLimiter {
  private readonly budget: PortalBudget;
  private readonly waiting: Record<RequestLane, Waiter[]> = { live: [], backfill: [] };
  private inFlight = 0;
  private taking = false;
  private closed = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  /** The lane the wake timer waits for: a live call arriving meanwhile need not wait for backfill's pace. */
  private wakeLane: RequestLane = 'live';
  /** HubSpot's ceiling as last announced (or as configured until it speaks). */
  private announcedMax: number;
  private max: number;
  private intervalMs: number;
  /** Budget-store calls not yet finished: close() waits for them. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    readonly portalId: number,
    private readonly options: PortalRateLimitOptions,
    private readonly deps: PortalRateLimiterDeps,
  ) {
    this.budget = deps.budget ?? createMemoryPortalBudget();
    this.announcedMax = options.maxRequests;
    this.max = this.capped(options.maxRequests);
    this.intervalMs = options.intervalMs;
  }

  get maxRequests(): number {
    return this.max;
  }

  /** Calls waiting for a slot plus those in flight. */
  get load(): number {
    return this.waiting.live.length + this.waiting.backfill.length + this.inFlight;
  }

  /**
   * Runs one HubSpot call when the portal's budget has a slot, and learns from its answer: the
   * rate-limit headers of a response (`{ headers }`) or of a failed call (HubSpotCallError).
   */
  async schedule<T>(task: () => Promise<T>, signal?: AbortSignal, lane: RequestLane = 'live'): Promise<T> {
    const grant = await this.acquire(signal, lane);
    this.deps.onBudget?.(this.portalId, this.inFlight, this.max);
    let status: number | null = null;
    let headers: Record<string, string> = {};
    // A call cancelled mid-flight may still reach HubSpot later: its slot stays taken for the lease.
    let answered = true;
    let answeredAt: number | undefined;
    try {
      const result = await task().finally(() => (answeredAt = Date.now()));
      const resultHeaders = (result as { headers?: unknown } | null)?.headers;
      if (resultHeaders && typeof resultHeaders === 'object') {
        headers = resultHeaders as Record<string, string>;
        status = Number((result as { status?: unknown }).status) || 200;
      }
      return result;
    } catch (error) {
      if (error instanceof HubSpotCallError) {
        status = error.status;
        headers = error.headers;
        if (error.kind === 'aborted') answered = false;
      }
      throw error;
    } finally {
      this.inFlight -= 1;
      if (answered) this.track(this.budget.release(this.portalId, [grant.slot], grant.token, this.intervalMs + this.options.safetyMarginMs, answeredAt));
      if (status !== null) {
        this.observe(status, headers);
        this.deps.onAnswer?.(this.portalId, status);
      }
      this.deps.onBudget?.(this.portalId, this.inFlight, this.max);
      this.pump();
    }
  }

  /** Learns from one answer's status and headers (schedule() calls it for every call it runs). */
  observe(status: number, headers: Record<string, string>): void {
    const interval = Number(headers['x-hubspot-ratelimit-interval-milliseconds']);
    if (Number.isInteger(interval) && interval > 0) this.intervalMs = interval;
    const max = Number(headers['x-hubspot-ratelimit-max']);
    if (Number.isInteger(max) && max > 0 && max !== this.announcedMax) this.adoptMax(max);
    const window = this.intervalMs + this.options.safetyMarginMs;
    if (status === 429) {
      // Our slots say there was room, so something outside them sends too (another deployment of
      // the app, or HubSpot counts differently): every process stops for a while.
      const retryAfter = Number(headers['retry-after']);
      const ms = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : Math.ceil(this.intervalMs / 10);
      this.deps.logger.info('hubspot rate limit: 429, pausing the portal', { portalId: this.portalId, ms });
      this.track(this.budget.pause(this.portalId, Math.min(ms, window)));
      return;
    }
    const remaining = Number(headers['x-hubspot-ratelimit-remaining']);
    const announced = Number.isInteger(max) && max > 0 ? max : this.announcedMax;
    // Nearly spent by HubSpot's count: make sure we do not believe in more free slots than it has.
    if (headers['x-hubspot-ratelimit-remaining'] !== undefined && Number.isFinite(remaining) && remaining <= Math.max(1, Math.floor(announced * 0.05))) {
      this.track(this.budget.limitFree(this.portalId, this.max, Math.max(0, remaining), window));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.wakeTimer);
    const error = Object.assign(new Error('The rate limiter was closed'), { name: 'AbortError' });
    for (const waiter of [...this.waiting.live.splice(0), ...this.waiting.backfill.splice(0)]) this.settleWaiter(waiter, () => waiter.reject(error));
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private acquire(signal: AbortSignal | undefined, lane: RequestLane): Promise<Grant> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.closed) return Promise.reject(Object.assign(new Error('The rate limiter was closed'), { name: 'AbortError' }));
    return new Promise<Grant>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      const queue = this.waiting[lane];
      if (signal) {
        waiter.onAbort = () => {
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      queue.push(waiter);
      if (lane === 'live' && this.wakeTimer !== undefined && this.wakeLane === 'backfill') {
        // The timer waits for backfill's next paced start: a live call may have a slot now.
        clearTimeout(this.wakeTimer);
        this.wakeTimer = undefined;
      }
      this.pump();
    });
  }

  private settleWaiter(waiter: Waiter, settle: () => void): void {
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    settle();
  }

  /**
   * Takes as many slots as there are waiting calls of one lane (up to the concurrency left) in one
   * store call: live calls first, unpaced; backfill calls when no live one waits, paced.
   */
  private pump(): void {
    if (this.taking || this.closed || this.wakeTimer !== undefined) return;
    const lane: RequestLane = this.waiting.live.length > 0 ? 'live' : 'backfill';
    const queue = this.waiting[lane];
    const concurrency = lane === 'live' ? this.options.concurrency : Math.max(1, this.options.concurrency - LIVE_CONCURRENCY_RESERVE);
    const want = Math.min(queue.length, concurrency - this.inFlight);
    if (want <= 0) return;
    this.taking = true;
    const leaseMs = this.options.leaseMs + this.intervalMs + this.options.safetyMarginMs;
    // Over its daily error budget the portal uses a share of its window (see budget/error-budget.ts).
    const share = this.deps.share?.(this.portalId) ?? 1;
    const max = share >= 1 ? this.max : Math.max(1, Math.floor(this.max * share));
    const paceMs = lane === 'backfill' ? this.intervalMs / max : undefined;
    // Backfill looks only two paces ahead: a slot it takes ahead is one a live call arriving
    // meanwhile cannot have, so a long lookahead would make every live call wait for it.
    const lookaheadMs = paceMs === undefined ? LOOKAHEAD_MS : Math.min(LOOKAHEAD_MS, 2 * paceMs);
    const take = this.budget.take(this.portalId, { max, count: want, leaseMs, lookaheadMs, paceMs });
    this.track(take);
    take.then(
      ({ slots, startsAt, token, waitMs }) => {
        this.taking = false;
        const unused: number[] = [];
        slots.forEach((slot, index) => {
          const waiter = queue.shift();
          if (!waiter || this.closed) {
            unused.push(slot);
            return;
          }
          this.inFlight += 1;
          const delay = (startsAt[index] ?? 0) - Date.now();
          const start = () => {
            if (waiter.signal?.aborted || this.closed) {
              // Cancelled (the abort already rejected it) or closed before its slot's time came: never sent.
              this.inFlight -= 1;
              this.track(this.budget.release(this.portalId, [slot], token, 0));
              if (this.closed) this.settleWaiter(waiter, () => waiter.reject(Object.assign(new Error('The rate limiter was closed'), { name: 'AbortError' })));
              this.pump();
              return;
            }
            this.settleWaiter(waiter, () => waiter.resolve({ slot, token }));
          };
          // Taken ahead of its time: the call starts when the slot frees (it counts as in flight).
          if (delay > 0) setTimeout(start, Math.ceil(delay));
          else start();
        });
        // Taken for calls that were cancelled meanwhile: never sent, so free at once.
        if (unused.length > 0) this.track(this.budget.release(this.portalId, unused, token, 0));
        // A live call that arrived during a backfill take is served now, not after backfill's wait.
        const liveArrived = lane === 'backfill' && this.waiting.live.length > 0;
        if (slots.length < want && queue.length > 0 && !liveArrived) {
          // The window is full (or backfill's next paced start is ahead): come back when the store
          // says the next slot frees. A slot held by a call in flight frees a window after its
          // answer at the earliest, so never wait longer.
          const window = this.intervalMs + this.options.safetyMarginMs;
          this.wake(waitMs > lookaheadMs ? Math.min(waitMs, window) - lookaheadMs + 1 : CONTENDED_RETRY_MS + Math.random() * CONTENDED_RETRY_MS, lane);
        } else {
          this.pump();
        }
      },
      (error: unknown) => {
        this.taking = false;
        if (this.closed) return;
        this.deps.logger.warn('hubspot rate limit: could not take from the portal budget; retrying', { portalId: this.portalId, message: (error as Error).message });
        this.wake(STORE_RETRY_MS, 'live');
      },
    );
  }

  private wake(ms: number, lane: RequestLane): void {
    clearTimeout(this.wakeTimer);
    this.wakeLane = lane;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.pump();
    }, Math.max(1, Math.ceil(ms)));
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise.catch((error: unknown) => {
      this.deps.logger.warn('hubspot rate limit: portal budget update failed', { portalId: this.portalId, message: (error as Error).message });
    });
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  private capped(max: number): number {
    return this.options.ceiling === undefined ? max : Math.max(1, Math.min(this.options.ceiling, max));
  }

  private adoptMax(max: number): void {
    const previous = this.max;
    this.announcedMax = max;
    this.max = this.capped(max);
    if (this.max !== previous) this.deps.logger.info('hubspot rate limit learned from headers', { portalId: this.portalId, previous, max: this.max, announced: max });
    this.deps.onMaxLearned?.(max);
  }
}

export interface RateLimiterRegistryDeps {
  logger: Logger;
  /** Shared by every portal's limiter; default: in memory (this process only). */
  budget?: PortalBudget;
  onMaxLearned?: (portalId: number, max: number) => void;
  share?: (portalId: number) => number;
  onAnswer?: (portalId: number, status: number) => void;
  onBudget?: (portalId: number, inUse: number, max: number) => void;
}

/** Limiters per portal, created on first use, all drawing on one budget store. */
export class RateLimiterRegistry {
  private readonly limiters = new Map<number, PortalRateLimiter>();
  private readonly budget: PortalBudget;

  constructor(
    private readonly defaults: PortalRateLimitOptions,
    private readonly deps: RateLimiterRegistryDeps,
  ) {
    this.budget = deps.budget ?? createMemoryPortalBudget();
  }

  /** `knownMax`: the ceiling HubSpot announced earlier (stored on the connection). */
  forPortal(portalId: number, knownMax?: number | null): PortalRateLimiter {
    let limiter = this.limiters.get(portalId);
    if (!limiter) {
      limiter = new PortalRateLimiter(
        portalId,
        { ...this.defaults, maxRequests: knownMax ?? this.defaults.maxRequests },
        { logger: this.deps.logger, budget: this.budget, onMaxLearned: (max) => this.deps.onMaxLearned?.(portalId, max), share: this.deps.share, onAnswer: this.deps.onAnswer, onBudget: this.deps.onBudget },
      );
      this.limiters.set(portalId, limiter);
    }
    return limiter;
  }

  async close(): Promise<void> {
    await Promise.all([...this.limiters.values()].map((limiter) => limiter.close()));
    this.limiters.clear();
  }
}
