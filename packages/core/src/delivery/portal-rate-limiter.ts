import PQueue from 'p-queue';
import { HubSpotCallError } from '../hubspot/hubspot-call-error.js';
import type { Logger } from '../ports/ports.js';

export interface PortalRateLimitOptions {
  /** Requests allowed per rolling interval for this portal until HubSpot's headers say otherwise. */
  maxRequests: number;
  intervalMs: number;
  /**
   * Added to our window so requests that reach HubSpot a little later than we sent them never land
   * in the same rolling window as the one they replace (network jitter would otherwise cost 429s).
   */
  safetyMarginMs: number;
  /** Requests in flight at once per portal. */
  concurrency: number;
}

export const DEFAULT_PORTAL_RATE_LIMIT: PortalRateLimitOptions = {
  maxRequests: 100,
  intervalMs: 10_000,
  safetyMarginMs: 250,
  concurrency: 8,
};

/**
 * One portal's budget: a p-queue in strict (sliding window) mode, matching HubSpot's rolling
 * ten-second window. It learns the real ceiling from `X-HubSpot-RateLimit-Max` and pauses when
 * `X-HubSpot-RateLimit-Remaining` says another sender has used the budget up. Portals each get their
 * own limiter, so one slow or failing portal never holds another back.
 */
export class PortalRateLimiter {
  private queue: PQueue;
  private max: number;
  /**
   * Our share of the budget (AIMD, as TCP does): halved on a 429, grown back by a tenth of the
   * ceiling each quiet window. Alone on a portal it stays at the ceiling; when other processes send
   * to the same portal (several host instances, each with its own limiter) they settle on shares
   * that add up to what HubSpot allows instead of drowning in 429s.
   */
  private share: number;
  private lastShareChange = 0;
  private readonly starts: number[] = [];
  private pauseTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly portalId: number,
    private readonly options: PortalRateLimitOptions,
    private readonly logger: Logger,
    private readonly onMaxLearned?: (max: number) => void,
  ) {
    this.max = options.maxRequests;
    this.share = this.max;
    this.queue = this.createQueue(this.max);
  }

  /** Requests per window this process currently allows itself (at most the ceiling). */
  get currentShare(): number {
    return this.share;
  }

  get maxRequests(): number {
    return this.max;
  }

  /** Tasks waiting for a slot plus those in flight. */
  get load(): number {
    return this.queue.size + this.queue.pending;
  }

  /**
   * Runs one HubSpot call when the window has room, and learns from its answer: the rate-limit
   * headers of a response (`{ headers }`) or of a failed call (HubSpotCallError).
   */
  schedule<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const queue = this.queue;
    return queue.add(
      async () => {
        await this.waitForShare(signal);
        this.recordStart(Date.now());
        try {
          const result = await task();
          const headers = (result as { headers?: unknown } | null)?.headers;
          if (headers && typeof headers === 'object') this.observe(200, headers as Record<string, string>);
          return result;
        } catch (error) {
          if (error instanceof HubSpotCallError && error.status !== null) this.observe(error.status, error.headers);
          throw error;
        }
      },
      { signal },
    ) as Promise<T>;
  }

  /** Feed every response's status and headers here. */
  observe(status: number, headers: Record<string, string>): void {
    const max = Number(headers['x-hubspot-ratelimit-max']);
    if (Number.isInteger(max) && max > 0 && max !== this.max) this.adoptMax(max);
    const remaining = Number(headers['x-hubspot-ratelimit-remaining']);
    const interval = Number(headers['x-hubspot-ratelimit-interval-milliseconds']) || this.options.intervalMs;
    if (status === 429) {
      // We over-sent (another process or app shares the budget): halve our share and stop for a
      // tenth of the window.
      this.shrinkShare();
      this.pauseFor(Math.ceil(interval / 10));
    } else if (headers['x-hubspot-ratelimit-remaining'] !== undefined && Number.isFinite(remaining) && remaining <= 0 && this.sentInWindow() < this.max) {
      // The window is spent, and not by us alone (another process or app shares the budget):
      // hold back one slot's worth. When our own requests used it up, the queue already waits.
      this.pauseFor(Math.ceil(interval / this.max));
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.pauseTimer);
    this.queue.clear();
    await this.queue.onIdle();
  }

  private createQueue(max: number): PQueue {
    return new PQueue({
      concurrency: this.options.concurrency,
      intervalCap: max,
      interval: this.options.intervalMs + this.options.safetyMarginMs,
      strict: true,
    });
  }

  private shrinkShare(): void {
    const now = Date.now();
    // Many requests in flight answer 429 together; that is one signal, not many.
    if (now - this.lastShareChange < this.options.intervalMs / 2) return;
    this.share = Math.max(1, Math.floor(this.share / 2));
    this.lastShareChange = now;
    this.logger.info('hubspot rate limit: sharing the portal budget', { portalId: this.portalId, share: this.share, max: this.max });
  }

  private growShare(now: number): void {
    if (this.share >= this.max || now - this.lastShareChange < this.options.intervalMs) return;
    this.share = Math.min(this.max, this.share + Math.max(1, Math.round(this.max / 10)));
    this.lastShareChange = now;
  }

  /** Waits until a request fits our share of the window (the queue alone enforces the ceiling). */
  private async waitForShare(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.growShare(now);
      const windowMs = this.options.intervalMs + this.options.safetyMarginMs;
      while (this.starts.length > 0 && this.starts[0]! < now - windowMs) this.starts.shift();
      if (this.starts.length < this.share) return;
      const frees = this.starts[this.starts.length - this.share]! + windowMs - now + 1;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, Math.max(1, frees));
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason);
        }, { once: true });
      });
    }
  }

  private sentInWindow(): number {
    const horizon = Date.now() - this.options.intervalMs - this.options.safetyMarginMs;
    return this.starts.filter((start) => start >= horizon).length;
  }

  private recordStart(at: number): void {
    this.starts.push(at);
    const horizon = at - this.options.intervalMs - this.options.safetyMarginMs;
    while (this.starts.length > 0 && this.starts[0]! < horizon) this.starts.shift();
  }

  /**
   * p-queue cannot change its cap in place, so a new ceiling gets a new queue. The requests we sent
   * in the current window are carried over as placeholder tasks so the switch cannot burst.
   */
  private adoptMax(max: number): void {
    this.logger.info('hubspot rate limit learned from headers', { portalId: this.portalId, previous: this.max, max });
    this.max = max;
    const previous = this.queue;
    const next = this.createQueue(max);
    // Requests in flight were recorded when they started, so the window count covers them too.
    const usedInWindow = this.sentInWindow();
    for (let index = 0; index < Math.min(usedInWindow, max); index += 1) void next.add(async () => {});
    if (previous.isPaused) next.pause();
    this.queue = next;
    this.onMaxLearned?.(max);
  }

  private pauseFor(ms: number): void {
    const queue = this.queue;
    queue.pause();
    clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(() => queue.start(), ms);
    this.pauseTimer.unref?.();
  }
}

/** Limiters per portal, created on first use. */
export class RateLimiterRegistry {
  private readonly limiters = new Map<number, PortalRateLimiter>();

  constructor(
    private readonly defaults: PortalRateLimitOptions,
    private readonly logger: Logger,
    private readonly onMaxLearned?: (portalId: number, max: number) => void,
  ) {}

  forPortal(portalId: number, knownMax?: number | null): PortalRateLimiter {
    let limiter = this.limiters.get(portalId);
    if (!limiter) {
      limiter = new PortalRateLimiter(
        portalId,
        { ...this.defaults, maxRequests: knownMax ?? this.defaults.maxRequests },
        this.logger,
        (max) => this.onMaxLearned?.(portalId, max),
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
