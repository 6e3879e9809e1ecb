import { DEFAULT_INTERVAL_MS, DEFAULT_RATE_LIMIT_MAX, RATE_LIMIT_PROFILES } from './defaults.js';
import type { RateLimitOptions } from './types.js';

// HubSpot's burst limit is a rolling window per (installing account, app): any 10 s span may hold at
// most `max` requests. A fixed bucket that resets every 10 s would let a client pass tests that the
// real API fails, so this keeps every request's timestamp inside the window.

class RollingWindow {
  private readonly times: number[] = [];
  private head = 0;

  count(now: number, windowMs: number): number {
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= now - windowMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  add(now: number): void {
    this.times.push(now);
  }

  oldest(): number | undefined {
    return this.times[this.head];
  }
}

export interface ResolvedRateLimit {
  enabled: boolean;
  max: number;
  intervalMs: number;
  secondly: number | false;
  retryAfter: boolean | number;
  searchPerSecond: number;
}

const maxOf = (options: RateLimitOptions | undefined): number | undefined =>
  options?.max ?? (options?.profile ? RATE_LIMIT_PROFILES[options.profile] : undefined);

/** A portal's own max/profile wins over the emulator-wide one; other fields merge field by field. */
export function resolveRateLimit(base: RateLimitOptions | undefined, override?: RateLimitOptions): ResolvedRateLimit {
  const merged: RateLimitOptions = { ...base, ...override };
  return {
    enabled: merged.enabled ?? true,
    max: maxOf(override) ?? maxOf(base) ?? DEFAULT_RATE_LIMIT_MAX,
    intervalMs: merged.intervalMs ?? DEFAULT_INTERVAL_MS,
    secondly: merged.secondly ?? false,
    retryAfter: merged.retryAfter ?? false,
    searchPerSecond: merged.searchPerSecond ?? 5,
  };
}

export interface LimitDecision {
  allowed: boolean;
  policy?: 'TEN_SECONDLY_ROLLING' | 'SECONDLY';
  headers: Record<string, string>;
  retryAfterSeconds?: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, RollingWindow>();
  private readonly secondWindows = new Map<string, RollingWindow>();
  private readonly searchWindows = new Map<number, RollingWindow>();

  private window(map: Map<string, RollingWindow>, key: string): RollingWindow {
    let window = map.get(key);
    if (!window) {
      window = new RollingWindow();
      map.set(key, window);
    }
    return window;
  }

  /** Counts the request when it is allowed; refused requests do not use up the window. */
  checkApi(hubId: number, clientId: string, limit: ResolvedRateLimit, now: number): LimitDecision {
    if (!limit.enabled) return { allowed: true, headers: {} };
    const key = `${hubId}:${clientId}`;
    const window = this.window(this.windows, key);
    const used = window.count(now, limit.intervalMs);
    const headers: Record<string, string> = {
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(limit.intervalMs),
      'X-HubSpot-RateLimit-Max': String(limit.max),
    };
    const second = limit.secondly === false ? undefined : this.window(this.secondWindows, key);
    const usedSecond = second ? second.count(now, 1000) : 0;
    if (used >= limit.max) {
      headers['X-HubSpot-RateLimit-Remaining'] = '0';
      if (second && limit.secondly !== false) this.secondlyHeaders(headers, limit.secondly, usedSecond);
      const oldest = window.oldest() ?? now;
      return { allowed: false, policy: 'TEN_SECONDLY_ROLLING', headers, ...this.retryAfter(limit, oldest + limit.intervalMs - now) };
    }
    if (second && limit.secondly !== false && usedSecond >= limit.secondly) {
      headers['X-HubSpot-RateLimit-Remaining'] = String(limit.max - used);
      this.secondlyHeaders(headers, limit.secondly, usedSecond);
      const oldest = second.oldest() ?? now;
      return { allowed: false, policy: 'SECONDLY', headers, ...this.retryAfter(limit, oldest + 1000 - now) };
    }
    window.add(now);
    second?.add(now);
    headers['X-HubSpot-RateLimit-Remaining'] = String(limit.max - used - 1);
    if (second && limit.secondly !== false) this.secondlyHeaders(headers, limit.secondly, usedSecond + 1);
    return { allowed: true, headers };
  }

  /** The CRM search API has its own per-account per-second budget and sends no rate headers. */
  checkSearch(hubId: number, limit: ResolvedRateLimit, now: number): boolean {
    if (!limit.enabled) return true;
    let window = this.searchWindows.get(hubId);
    if (!window) {
      window = new RollingWindow();
      this.searchWindows.set(hubId, window);
    }
    if (window.count(now, 1000) >= limit.searchPerSecond) return false;
    window.add(now);
    return true;
  }

  /** Remaining requests in the window right now, without counting one. */
  remaining(hubId: number, clientId: string, limit: ResolvedRateLimit, now: number): number {
    const window = this.windows.get(`${hubId}:${clientId}`);
    return limit.max - (window ? window.count(now, limit.intervalMs) : 0);
  }

  reset(): void {
    this.windows.clear();
    this.secondWindows.clear();
    this.searchWindows.clear();
  }

  private secondlyHeaders(headers: Record<string, string>, max: number, used: number): void {
    headers['X-HubSpot-RateLimit-Secondly'] = String(max);
    headers['X-HubSpot-RateLimit-Secondly-Remaining'] = String(Math.max(0, max - used));
  }

  private retryAfter(limit: ResolvedRateLimit, waitMs: number): { retryAfterSeconds?: number } {
    if (limit.retryAfter === false) return {};
    if (typeof limit.retryAfter === 'number') return { retryAfterSeconds: limit.retryAfter };
    return { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }
}
