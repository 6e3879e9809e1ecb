import { describe, expect, it } from 'vitest';
import { backoffDelay, retryDelay } from './backoff.js';

const options = { baseDelayMs: 1_000, maxDelayMs: 60_000 };

describe('backoffDelay (full jitter)', () => {
  it('spans [0, base * 2^(attempt-1)] capped at the maximum', () => {
    expect(backoffDelay(1, () => 0, options)).toBe(0);
    expect(backoffDelay(1, () => 0.999999, options)).toBe(999);
    expect(backoffDelay(3, () => 0.5, options)).toBe(2_000);
    expect(backoffDelay(6, () => 0.999999, options)).toBe(31_999);
    expect(backoffDelay(20, () => 0.999999, options)).toBe(59_999);
  });

  it('grows on average with every attempt', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const mean = (attempt: number) => Array.from({ length: 2_000 }, () => backoffDelay(attempt, random, options)).reduce((a, b) => a + b, 0) / 2_000;
    const means = [1, 2, 3, 4].map(mean);
    for (let index = 1; index < means.length; index += 1) expect(means[index]!).toBeGreaterThan(means[index - 1]! * 1.6);
    expect(means[0]!).toBeGreaterThan(400);
    expect(means[0]!).toBeLessThan(600);
  });
});

describe('retryDelay', () => {
  it('never retries sooner than Retry-After or the minimum for the failure kind', () => {
    expect(retryDelay({ attempt: 1, random: () => 0, backoff: options, retryAfterMs: 7_000 })).toBe(7_000);
    expect(retryDelay({ attempt: 1, random: () => 0, backoff: options, minimumMs: 2_000 })).toBe(2_000);
    expect(retryDelay({ attempt: 5, random: () => 0.9, backoff: options, retryAfterMs: 1_000 })).toBe(14_400);
  });
});
