import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryPortalBudget, type PortalBudget } from '../budget/portal-budget.js';
import { HubSpotCallError } from '../hubspot/hubspot-call-error.js';
import { silentLogger } from '../ports/ports.js';
import { PortalRateLimiter, RateLimiterRegistry, type PortalRateLimitOptions } from './portal-rate-limiter.js';

const options: PortalRateLimitOptions = { maxRequests: 5, intervalMs: 1_000, safetyMarginMs: 10, concurrency: 10, leaseMs: 5_000 };

/** Largest number of starts inside any window of `windowMs` (a start at exactly +window is outside). */
function maxInWindow(starts: number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    let count = 0;
    for (let j = i; j < sorted.length && sorted[j]! - sorted[i]! < windowMs; j += 1) count += 1;
    best = Math.max(best, count);
  }
  return best;
}

/** Fake timers drive both the limiter's waits and the memory budget's clock (Date.now). */
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('PortalRateLimiter', () => {
  it('never lets more than the ceiling arrive inside any rolling window, whatever the latency', async () => {
    const limiter = new PortalRateLimiter(1, options, { logger: silentLogger });
    const arrivals: number[] = [];
    // Each call "arrives" anywhere between send and answer: here at the very end of a 300 ms call.
    const call = async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      arrivals.push(Date.now());
    };
    const all = Promise.all(Array.from({ length: 17 }, () => limiter.schedule(call)));
    await vi.runAllTimersAsync();
    await all;
    expect(arrivals).toHaveLength(17);
    expect(maxInWindow(arrivals, options.intervalMs)).toBeLessThanOrEqual(5);
  });

  it('spreads backfill calls evenly over the window instead of spending it in a burst', async () => {
    const limiter = new PortalRateLimiter(1, { ...options, maxRequests: 10 }, { logger: silentLogger });
    const starts: number[] = [];
    const start0 = Date.now();
    const all = Promise.all(Array.from({ length: 10 }, () => limiter.schedule(async () => starts.push(Date.now() - start0), undefined, 'backfill')));
    await vi.runAllTimersAsync();
    await all;
    // Ten slots free at once, but a pace of window / max: one start every 100 ms.
    for (let index = 1; index < starts.length; index += 1) expect(starts[index]! - starts[index - 1]!).toBeGreaterThanOrEqual(100);
    expect(starts.at(-1)).toBeLessThan(1_000);
  });

  it('paces backfill calls of two processes (or two orgs) on one portal together, not each on its own', async () => {
    const budget = createMemoryPortalBudget();
    const a = new PortalRateLimiter(1, { ...options, maxRequests: 10 }, { logger: silentLogger, budget });
    const b = new PortalRateLimiter(1, { ...options, maxRequests: 10 }, { logger: silentLogger, budget });
    const starts: number[] = [];
    const start0 = Date.now();
    const all = Promise.all(Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? a : b).schedule(async () => starts.push(Date.now() - start0), undefined, 'backfill')));
    await vi.runAllTimersAsync();
    await all;
    starts.sort((x, y) => x - y);
    for (let index = 1; index < starts.length; index += 1) expect(starts[index]! - starts[index - 1]!).toBeGreaterThanOrEqual(100);
  });

  it('serves a live call at once while backfill calls wait for their pace', async () => {
    const limiter = new PortalRateLimiter(1, { ...options, maxRequests: 10, concurrency: 4 }, { logger: silentLogger });
    const order: string[] = [];
    const start0 = Date.now();
    const backfill = Array.from({ length: 8 }, (_, index) => limiter.schedule(async () => order.push(`b${index}`), undefined, 'backfill'));
    await vi.advanceTimersByTimeAsync(150);
    let liveStartedAfter = -1;
    const live = limiter.schedule(async () => {
      liveStartedAfter = Date.now() - start0;
      order.push('live');
    });
    await vi.advanceTimersByTimeAsync(20);
    // Started within the tick it arrived in, ahead of six backfill calls still queued.
    expect(liveStartedAfter).toBeGreaterThanOrEqual(150);
    expect(liveStartedAfter).toBeLessThanOrEqual(170);
    expect(order.indexOf('live')).toBeLessThan(3);
    await vi.runAllTimersAsync();
    await Promise.all([...backfill, live]);
    expect(order).toHaveLength(9);
  });

  it('keeps no more than `concurrency` calls in flight', async () => {
    const limiter = new PortalRateLimiter(1, { ...options, maxRequests: 100, concurrency: 3 }, { logger: silentLogger });
    let inFlight = 0;
    let most = 0;
    const all = Promise.all(
      Array.from({ length: 12 }, () =>
        limiter.schedule(async () => {
          most = Math.max(most, (inFlight += 1));
          await new Promise((resolve) => setTimeout(resolve, 50));
          inFlight -= 1;
        }),
      ),
    );
    await vi.runAllTimersAsync();
    await all;
    expect(most).toBe(3);
  });

  it('shares one budget between limiters (processes) on the same portal', async () => {
    const budget = createMemoryPortalBudget();
    const a = new PortalRateLimiter(1, options, { logger: silentLogger, budget });
    const b = new PortalRateLimiter(1, options, { logger: silentLogger, budget });
    const starts: number[] = [];
    const call = async () => {
      starts.push(Date.now());
    };
    const all = Promise.all(Array.from({ length: 12 }, (_, index) => (index % 2 === 0 ? a : b).schedule(call)));
    await vi.runAllTimersAsync();
    await all;
    expect(starts).toHaveLength(12);
    expect(maxInWindow(starts, options.intervalMs)).toBeLessThanOrEqual(5);
  });

  it('adopts a lower ceiling from HubSpot, and never goes above a configured one', async () => {
    const learned: number[] = [];
    const limiter = new PortalRateLimiter(1, { ...options, ceiling: 5 }, { logger: silentLogger, onMaxLearned: (max) => learned.push(max) });
    await limiter.schedule(async () => ({ status: 200, headers: { 'x-hubspot-ratelimit-max': '110' } }));
    expect(limiter.maxRequests).toBe(5);
    await limiter.schedule(async () => ({ status: 200, headers: { 'x-hubspot-ratelimit-max': '3' } }));
    expect(limiter.maxRequests).toBe(3);
    expect(learned).toEqual([110, 3]);
    const unbounded = new PortalRateLimiter(2, options, { logger: silentLogger });
    await unbounded.schedule(async () => ({ status: 200, headers: { 'x-hubspot-ratelimit-max': '190' } }));
    expect(unbounded.maxRequests).toBe(190);
  });

  it('learns from the headers of failed calls too', async () => {
    const limiter = new PortalRateLimiter(1, options, { logger: silentLogger });
    const error = new HubSpotCallError('http', 500, 'boom', null, { 'x-hubspot-ratelimit-max': '9' });
    await expect(limiter.schedule(async () => Promise.reject(error))).rejects.toBe(error);
    expect(limiter.maxRequests).toBe(9);
  });

  it('pauses the whole portal on a 429 (Retry-After when given)', async () => {
    const budget = spyBudget();
    const limiter = new PortalRateLimiter(1, options, { logger: silentLogger, budget });
    const error = new HubSpotCallError('http', 429, 'slow down', null, { 'retry-after': '1' });
    await expect(limiter.schedule(async () => Promise.reject(error))).rejects.toBe(error);
    await limiter.close();
    expect(budget.calls.pause).toEqual([1_000]);
  });

  it('caps the free slots when Remaining says the window is nearly spent', async () => {
    const budget = spyBudget();
    const limiter = new PortalRateLimiter(1, options, { logger: silentLogger, budget });
    await limiter.schedule(async () => ({ status: 200, headers: { 'x-hubspot-ratelimit-max': '5', 'x-hubspot-ratelimit-remaining': '4' } }));
    await limiter.schedule(async () => ({ status: 200, headers: { 'x-hubspot-ratelimit-max': '5', 'x-hubspot-ratelimit-remaining': '0' } }));
    await limiter.close();
    expect(budget.calls.limitFree).toEqual([0]);
  });

  it('keeps the slot of a cancelled call for its lease (it may still arrive)', async () => {
    const budget = spyBudget();
    const limiter = new PortalRateLimiter(1, options, { logger: silentLogger, budget });
    await expect(limiter.schedule(async () => Promise.reject(new HubSpotCallError('aborted', null, 'cancelled', null, {})))).rejects.toThrow('cancelled');
    await limiter.schedule(async () => ({ status: 200, headers: {} }));
    await limiter.close();
    expect(budget.calls.release).toEqual([options.intervalMs + options.safetyMarginMs]);
  });

  it('a call cancelled while it waits never takes a slot', async () => {
    const limiter = new PortalRateLimiter(1, { ...options, maxRequests: 1 }, { logger: silentLogger });
    await limiter.schedule(async () => undefined);
    const controller = new AbortController();
    const waiting = limiter.schedule(async () => 'never', controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(limiter.load).toBe(0);
  });
});

describe('RateLimiterRegistry', () => {
  it('gives each portal its own budget: a saturated portal does not hold another back', async () => {
    const registry = new RateLimiterRegistry({ ...options, maxRequests: 1 }, { logger: silentLogger });
    const busy = registry.forPortal(1);
    const idle = registry.forPortal(2);
    expect(registry.forPortal(1)).toBe(busy);
    await busy.schedule(async () => undefined);
    let late = false;
    const queued = busy.schedule(async () => (late = true)).catch(() => 'cleared');
    let ranIdle = false;
    await idle.schedule(async () => (ranIdle = true));
    expect(ranIdle).toBe(true);
    expect(late).toBe(false);
    await registry.close();
    await expect(queued).resolves.toBe('cleared');
  });

  it('starts a portal from the ceiling learned earlier', () => {
    const registry = new RateLimiterRegistry(options, { logger: silentLogger });
    expect(registry.forPortal(7, 190).maxRequests).toBe(190);
    expect(registry.forPortal(8).maxRequests).toBe(5);
  });
});

function spyBudget(): PortalBudget & { calls: { pause: number[]; limitFree: number[]; release: number[] } } {
  const inner = createMemoryPortalBudget();
  const calls = { pause: [] as number[], limitFree: [] as number[], release: [] as number[] };
  return {
    calls,
    take: (portalId, request) => inner.take(portalId, request),
    release: (portalId, slots, token, afterMs) => {
      calls.release.push(afterMs);
      return inner.release(portalId, slots, token, afterMs);
    },
    pause: (portalId, ms) => {
      calls.pause.push(ms);
      return inner.pause(portalId, ms);
    },
    limitFree: (portalId, max, remaining, afterMs) => {
      calls.limitFree.push(remaining);
      return inner.limitFree(portalId, max, remaining, afterMs);
    },
  };
}
