import { describe, expect, it } from 'vitest';
import { HubSpotCallError } from '../hubspot/hubspot-call-error.js';
import { silentLogger } from '../ports/ports.js';
import { PortalRateLimiter, RateLimiterRegistry } from './portal-rate-limiter.js';

const fast = { maxRequests: 5, intervalMs: 300, safetyMarginMs: 20, concurrency: 10 };

/** Largest number of task starts inside any window of `windowMs`. */
function maxInWindow(starts: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0; i < starts.length; i += 1) {
    let count = 0;
    for (let j = i; j < starts.length && starts[j]! - starts[i]! < windowMs; j += 1) count += 1;
    best = Math.max(best, count);
  }
  return best;
}

describe('PortalRateLimiter', () => {
  it('never starts more than the cap inside any rolling window', async () => {
    const limiter = new PortalRateLimiter(1, fast, silentLogger);
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 17 }, () => limiter.schedule(async () => starts.push(performance.now()))));
    starts.sort((a, b) => a - b);
    expect(starts).toHaveLength(17);
    expect(maxInWindow(starts, fast.intervalMs)).toBeLessThanOrEqual(5);
    // 17 tasks at 5 per window need at least three more windows after the first burst.
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(3 * fast.intervalMs);
  });

  it('adopts the ceiling HubSpot announces without bursting past it', async () => {
    const learned: number[] = [];
    const limiter = new PortalRateLimiter(1, fast, silentLogger, (max) => learned.push(max));
    const starts: number[] = [];
    await limiter.schedule(async () => {
      starts.push(performance.now());
      return { headers: { 'x-hubspot-ratelimit-max': '3' } };
    });
    expect(limiter.maxRequests).toBe(3);
    expect(learned).toEqual([3]);
    await Promise.all(Array.from({ length: 6 }, () => limiter.schedule(async () => starts.push(performance.now()))));
    starts.sort((a, b) => a - b);
    expect(maxInWindow(starts, fast.intervalMs)).toBeLessThanOrEqual(3);
  });

  it('learns from the headers of failed calls too', async () => {
    const limiter = new PortalRateLimiter(1, fast, silentLogger);
    const error = new HubSpotCallError('http', 500, 'boom', null, { 'x-hubspot-ratelimit-max': '9' });
    await expect(limiter.schedule(async () => Promise.reject(error))).rejects.toBe(error);
    expect(limiter.maxRequests).toBe(9);
  });

  it('pauses after a 429 so the window can drain', async () => {
    const limiter = new PortalRateLimiter(1, { ...fast, intervalMs: 1_000 }, silentLogger);
    limiter.observe(429, {});
    const started = performance.now();
    await limiter.schedule(async () => undefined);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });
});

describe('RateLimiterRegistry', () => {
  it('gives each portal its own budget: a saturated portal does not hold another back', async () => {
    const registry = new RateLimiterRegistry({ ...fast, maxRequests: 1, intervalMs: 2_000 }, silentLogger);
    const busy = registry.forPortal(1);
    const idle = registry.forPortal(2);
    expect(registry.forPortal(1)).toBe(busy);
    void busy.schedule(async () => undefined);
    const queued = busy.schedule(async () => 'late');
    const started = performance.now();
    await idle.schedule(async () => undefined);
    expect(performance.now() - started).toBeLessThan(500);
    await registry.close();
    await expect(Promise.race([queued, new Promise((resolve) => setTimeout(() => resolve('cleared'), 50))])).resolves.toBe('cleared');
  });

  it('starts a portal from the ceiling learned earlier', () => {
    const registry = new RateLimiterRegistry(fast, silentLogger);
    expect(registry.forPortal(7, 190).maxRequests).toBe(190);
    expect(registry.forPortal(8).maxRequests).toBe(5);
  });
});
