import type { Random } from '../ports/ports.js';

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseDelayMs: 1_000, maxDelayMs: 5 * 60_000 };

/**
 * Exponential backoff with full jitter (AWS architecture blog): a uniform delay in
 * [0, min(max, base * 2^(attempt-1))]. Full jitter spreads retries of many workers and portals so
 * they do not come back in lock-step. `attempt` is the attempt that just failed, from 1.
 */
export function backoffDelay(attempt: number, random: Random, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/**
 * The delay before the next attempt: the jittered backoff, but never sooner than HubSpot asked
 * (Retry-After) or than the failure kind needs (423 Locked wants at least 2 s; a rate-limit 429
 * wants at least one slot of the window to free up).
 */
export function retryDelay(input: { attempt: number; random: Random; backoff?: BackoffOptions; retryAfterMs?: number | null; minimumMs?: number }): number {
  const jittered = backoffDelay(input.attempt, input.random, input.backoff);
  return Math.max(jittered, input.retryAfterMs ?? 0, input.minimumMs ?? 0);
}
