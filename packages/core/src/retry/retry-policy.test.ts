import { describe, expect, it } from 'vitest';
import { HubSpotKitError } from '../errors.js';
import { HubSpotCallError } from '../hubspot/hubspot-call-error.js';
import { DEFAULT_RETRY_POLICY, decideRetry, detailsFromError, equalJitter, failureFromError, fullJitter, type RetryContext, type RetryFailure, type RetryStep } from './retry-policy.js';

const HOUR = 3600_000;
const NOW = Date.parse('2026-12-01T12:00:00Z');
const half = () => 0.5;

const http = (status: number, extra: Partial<Extract<RetryFailure, { kind: 'http' }>> = {}): RetryFailure => ({
  kind: 'http',
  status,
  retryAfterMs: null,
  unknownProperty: false,
  missingScopes: false,
  ...extra,
});

const context = (overrides: Partial<RetryContext> = {}): RetryContext => ({
  attempt: 1,
  maxWaitMs: 2_000,
  refreshed: false,
  rebootstrapped: false,
  queued: true,
  failingSince: null,
  now: NOW,
  random: half,
  ...overrides,
});

// Every failure kind the kit meets, with what the policy must do about it.
const table: Array<[name: string, failure: RetryFailure, context: RetryContext, expected: RetryStep]> = [
  ['429 without Retry-After: wait at least a second, in this pass', http(429), context(), { action: 'retry-now', delayMs: 1_000, code: 'HUBSPOT_RATE_LIMITED' }],
  ['429 with a Retry-After beyond the in-pass wait: back to the queue at that time', http(429, { retryAfterMs: 10_000 }), context(), { action: 'retry-later', delayMs: 10_000, code: 'HUBSPOT_RATE_LIMITED' }],
  ['429 with a short Retry-After: honoured in this pass', http(429, { retryAfterMs: 1_500 }), context(), { action: 'retry-now', delayMs: 1_500, code: 'HUBSPOT_RATE_LIMITED' }],
  ['500: jittered backoff in this pass', http(500), context(), { action: 'retry-now', delayMs: 500, code: 'HUBSPOT_UNAVAILABLE' }],
  ['503 on the third attempt: the backoff outgrows the in-pass wait, so the queue takes it', http(503), context({ attempt: 3, random: () => 0.9 }), { action: 'retry-later', delayMs: 3_600, code: 'HUBSPOT_UNAVAILABLE' }],
  ['477 migration in progress with Retry-After', http(477, { retryAfterMs: 30_000 }), context(), { action: 'retry-later', delayMs: 30_000, code: 'HUBSPOT_UNAVAILABLE' }],
  ['423 Locked: at least 2 s, which is within the in-pass wait', http(423), context(), { action: 'retry-now', delayMs: 2_000, code: 'HUBSPOT_LOCKED' }],
  ['timeout', { kind: 'timeout' }, context(), { action: 'retry-now', delayMs: 500, code: 'HUBSPOT_TIMEOUT' }],
  ['connection reset', { kind: 'network' }, context(), { action: 'retry-now', delayMs: 500, code: 'HUBSPOT_UNREACHABLE' }],
  ['first 401: refresh the token (not counted)', http(401), context(), { action: 'refresh-token', code: 'HUBSPOT_UNAUTHORIZED' }],
  ['401 again after a refresh: transient, never a revoke by itself', http(401), context({ refreshed: true }), { action: 'retry-now', delayMs: 500, code: 'HUBSPOT_UNAUTHORIZED' }],
  ['refresh refused (uninstalled): hold until reconnect', { kind: 'refresh-refused' }, context(), { action: 'hold', delayMs: null, code: 'MUST_RECONNECT' }],
  ['refresh failing transiently: hold with the refresh backoff, never a tight loop', { kind: 'refresh-failed' }, context({ refreshFailures: 1 }), { action: 'hold', delayMs: 11_250, code: 'TOKEN_REFRESH_FAILED' }],
  ['refresh failing for the fourth time: longer hold', { kind: 'refresh-failed' }, context({ refreshFailures: 4 }), { action: 'hold', delayMs: 90_000, code: 'TOKEN_REFRESH_FAILED' }],
  ['missing property: re-run the bootstrap (not counted)', http(400, { unknownProperty: true }), context(), { action: 'rebootstrap', code: 'PROPERTIES_MISSING' }],
  ['missing property after the bootstrap: transient (HubSpot is catching up)', http(400, { unknownProperty: true }), context({ rebootstrapped: true }), { action: 'retry-now', delayMs: 500, code: 'PROPERTIES_MISSING' }],
  ['stored tokens the keys cannot decrypt: hold five minutes, never a loop', { kind: 'credentials-unreadable' }, context(), { action: 'hold', delayMs: 5 * 60_000, code: 'DECRYPTION_FAILED' }],
  ['a deadlock or serialization victim: run it again shortly', { kind: 'database-conflict' }, context(), { action: 'retry-now', delayMs: 25, code: 'INTERNAL' }],
  ['still a victim after six tries: give up (the caller sees the error)', { kind: 'database-conflict' }, context({ attempt: 6 }), { action: 'fail', code: 'INTERNAL' }],
  ['invalid input (our validation): fail at once', { kind: 'invalid-input' }, context(), { action: 'fail', code: 'INVALID_INVITE' }],
  ['HubSpot validation error on a batch: isolate the culprit', http(400), context(), { action: 'isolate', code: 'HUBSPOT_REJECTED' }],
  ['missing scope: hold for a reconnect that approves it', http(403, { missingScopes: true }), context(), { action: 'hold', delayMs: null, code: 'MISSING_SCOPES' }],
  ['other 403: hold', http(403), context(), { action: 'hold', delayMs: null, code: 'HUBSPOT_FORBIDDEN' }],
  ['shutting down: hold, back in the queue at once', { kind: 'aborted' }, context(), { action: 'hold', delayMs: 0, code: 'SHUTTING_DOWN' }],
  ['attempts of this pass spent: back to the queue, not failed', http(429), context({ attempt: 6 }), { action: 'retry-later', delayMs: 16_000, code: 'HUBSPOT_RATE_LIMITED' }],
  ['an hour into an outage: a quarter-hour step', http(503), context({ attempt: 6, failingSince: NOW - HOUR }), { action: 'retry-later', delayMs: 11.25 * 60_000, code: 'HUBSPOT_UNAVAILABLE' }],
  ['a day into an outage: the hourly ceiling', http(503), context({ attempt: 6, failingSince: NOW - 24 * HOUR }), { action: 'retry-later', delayMs: 45 * 60_000, code: 'HUBSPOT_UNAVAILABLE' }],
  ['71 hours of 429s: still retrying', http(429), context({ attempt: 6, failingSince: NOW - 71 * HOUR }), { action: 'retry-later', delayMs: 45 * 60_000, code: 'HUBSPOT_RATE_LIMITED' }],
  ['past the 72-hour horizon: failed, with the reason', http(503), context({ attempt: 6, failingSince: NOW - 72 * HOUR }), { action: 'fail', code: 'RETRIES_EXHAUSTED' }],
  ['a request that cannot queue (resync) with a long wait: fail the request, retryable', http(429, { retryAfterMs: 30_000 }), context({ queued: false }), { action: 'fail', code: 'HUBSPOT_RATE_LIMITED' }],
];

describe('decideRetry', () => {
  it.each(table)('%s', (_name, failure, ctx, expected) => {
    expect(decideRetry(failure, ctx)).toEqual(expected);
  });

  it('never waits longer in-process than the caller allows', () => {
    for (let attempt = 1; attempt <= 6; attempt += 1) {
      const step = decideRetry(http(500), context({ attempt, random: () => 0.999 }));
      if (step.action === 'retry-now') expect(step.delayMs).toBeLessThanOrEqual(2_000);
      else expect(step.action).toBe('retry-later');
    }
  });

  it('a 20-second burst of 429s never fails a result', () => {
    let failingSince: number | null = null;
    for (let elapsed = 0; elapsed <= 20_000; elapsed += 1_000) {
      const step = decideRetry(http(429), context({ attempt: 6, failingSince, now: NOW + elapsed, random: Math.random }));
      expect(step.action).toBe('retry-later');
      failingSince ??= NOW;
    }
  });
});

describe('jitter', () => {
  it('full jitter stays within the doubling ceiling and equal jitter keeps half of it', () => {
    const backoff = { baseDelayMs: 1_000, maxDelayMs: 8_000 };
    expect(fullJitter(1, () => 0.999, backoff)).toBeLessThan(1_000);
    expect(fullJitter(10, () => 0.999, backoff)).toBeLessThan(8_000);
    expect(equalJitter(3, () => 0, backoff)).toBe(2_000);
    expect(equalJitter(3, () => 0.999, backoff)).toBeLessThan(4_000);
  });
});

describe('failureFromError', () => {
  it('reads HubSpot answers and the token keeper’s errors', () => {
    const missing = new HubSpotCallError('http', 400, 'Property values were not valid', { errors: [{ code: 'PROPERTY_DOESNT_EXIST', message: 'Property "jc_disc_d" does not exist', context: { propertyName: ['jc_disc_d'] } }] }, {});
    expect(failureFromError(missing, NOW)).toMatchObject({ kind: 'http', status: 400, unknownProperty: true });
    const limited = new HubSpotCallError('http', 429, 'limited', { category: 'RATE_LIMITS' }, { 'retry-after': '3' });
    expect(failureFromError(limited, NOW)).toMatchObject({ kind: 'http', status: 429, retryAfterMs: 3_000 });
    const scopes = new HubSpotCallError('http', 403, 'scopes', { category: 'MISSING_SCOPES' }, {});
    expect(failureFromError(scopes, NOW)).toMatchObject({ missingScopes: true });
    expect(failureFromError(new HubSpotCallError('timeout', null, 'slow', null, {}), NOW)).toEqual({ kind: 'timeout' });
    expect(failureFromError(new HubSpotKitError('MUST_RECONNECT', 'refused'), NOW)).toEqual({ kind: 'refresh-refused' });
    expect(failureFromError(new HubSpotKitError('TOKEN_REFRESH_FAILED', '503'), NOW)).toEqual({ kind: 'refresh-failed' });
    expect(failureFromError(new TypeError('a bug'), NOW)).toBeNull();
  });

  it('keeps HubSpot’s own words as details, never as the message an admin reads', () => {
    const error = new HubSpotCallError('http', 400, 'x', { category: 'VALIDATION_ERROR', correlationId: 'c-1', message: 'Property values were not valid: [{…}]', errors: [{ message: 'Email address ann@example.con is invalid', code: 'INVALID_EMAIL' }] }, {});
    expect(detailsFromError(error)).toEqual({ status: 400, correlationId: 'c-1', hubspotMessage: 'Email address ann@example.con is invalid', hubspotCategory: 'VALIDATION_ERROR' });
  });
});

it('the default horizon is at least 72 hours', () => {
  expect(DEFAULT_RETRY_POLICY.horizonMs).toBeGreaterThanOrEqual(72 * HOUR);
});
