import { ERROR_CODES, HubSpotKitError, type ErrorDetails, type HubSpotKitErrorCode } from '../errors.js';
import { HubSpotCallError } from '../hubspot/hubspot-call-error.js';
import type { Random } from '../ports/ports.js';

/**
 * The kit's one retry policy: a pure decision from (failure, attempt, context) to the next step.
 * Delivery, resync, the bootstrap and the token keeper all ask it; no other code decides to sleep,
 * loop or give up. Modelled on TanStack Query's retryer (one place that owns retry) and Nango's
 * `getProxyRetryFromErr` (the decision is a pure, table-tested function; the caller acts).
 */

/** What went wrong, reduced to the facts the decision needs. */
export type RetryFailure =
  | { kind: 'http'; status: number; retryAfterMs: number | null; unknownProperty: boolean; missingScopes: boolean }
  | { kind: 'timeout' }
  | { kind: 'network' }
  /** The caller (shutdown, a lost lock) stopped the work: nothing was attempted that counts. */
  | { kind: 'aborted' }
  /** The token endpoint refused the refresh token: the app was uninstalled or access revoked. */
  | { kind: 'refresh-refused' }
  /** The token endpoint failed for a transient reason (5xx, timeout, reset); `retryAt` = the connection's backoff, if known. */
  | { kind: 'refresh-failed'; retryAt?: number }
  /** Our own validation refused the input (an invite out of range): it will never succeed. */
  | { kind: 'invalid-input' }
  /** The stored tokens cannot be decrypted with the configured keys (the key changed). */
  | { kind: 'credentials-unreadable' }
  /** PostgreSQL chose this statement as a deadlock or serialization victim: running it again works. */
  | { kind: 'database-conflict' };

export type RetryStep =
  /** Wait `delayMs`, then send again in this pass. */
  | { action: 'retry-now'; delayMs: number; code: HubSpotKitErrorCode }
  /** Give the work back to the durable queue; it is due again in `delayMs`. Not a failure. */
  | { action: 'retry-later'; delayMs: number; code: HubSpotKitErrorCode }
  /** A 401: refresh the access token once, then send again (the attempt is not counted). */
  | { action: 'refresh-token'; code: HubSpotKitErrorCode }
  /** A property or the group is missing: re-run the bootstrap once, then send again (not counted). */
  | { action: 'rebootstrap'; code: HubSpotKitErrorCode }
  /**
   * The connection cannot be used now. `delayMs` null: until someone acts (reconnect); a number:
   * the connection is tried again then (a token endpoint outage). The work is not counted as tried.
   */
  | { action: 'hold'; delayMs: number | null; code: HubSpotKitErrorCode }
  /** HubSpot refused an input of a batch (4xx validation): find which, fail only those. */
  | { action: 'isolate'; code: HubSpotKitErrorCode }
  /** Permanent, or transient past the horizon: keep it with its reason for the admin. */
  | { action: 'fail'; code: HubSpotKitErrorCode };

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface RetryPolicyOptions {
  /** Attempts one pass may make before handing the work back to the queue (setup doc: 6). */
  maxAttemptsPerPass: number;
  /** In-pass backoff (full jitter). */
  backoff: BackoffOptions;
  /** Queue backoff: first step and ceiling of the growing delay between passes. */
  queueBackoff: BackoffOptions;
  /** How long transient failures may go on before a row fails for good (at least 72 h). */
  horizonMs: number;
  /** Backoff for a failing token endpoint (per connection). */
  refreshBackoff: BackoffOptions;
  /** How long rows wait before the kit tries tokens it could not decrypt again (a restored key). */
  unreadableRecheckMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicyOptions = {
  maxAttemptsPerPass: 6,
  backoff: { baseDelayMs: 1_000, maxDelayMs: 60_000 },
  queueBackoff: { baseDelayMs: 60_000, maxDelayMs: 60 * 60_000 },
  horizonMs: 72 * 3600_000,
  refreshBackoff: { baseDelayMs: 15_000, maxDelayMs: 10 * 60_000 },
  unreadableRecheckMs: 5 * 60_000,
};

export interface RetryContext {
  /** Attempts made in this pass, counting the one that just failed (from 1). */
  attempt: number;
  /** Longest delay the caller may wait in-process; longer waits go back to the queue (or fail the request). */
  maxWaitMs: number;
  /** A refresh already followed a 401 in this pass. */
  refreshed: boolean;
  /** A re-bootstrap already followed a missing property in this pass. */
  rebootstrapped: boolean;
  /** Whether the caller can hand work back to a durable queue (delivery) or must answer now (resync). */
  queued: boolean;
  /** When transient failures of this work began (epoch ms); null = this pass is the first to fail. */
  failingSince: number | null;
  now: number;
  random: Random;
  /** Consecutive refresh failures of the connection (for `refresh-failed`), counting this one. */
  refreshFailures?: number;
}

/** Minimum waits some answers need whatever the backoff says. */
const LOCKED_MIN_MS = 2_000;
const RATE_LIMITED_MIN_MS = 1_000;

/** Full jitter (AWS): uniform in [0, min(max, base·2^(n-1))]. Spreads many workers apart. */
export function fullJitter(attempt: number, random: Random, backoff: BackoffOptions): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  return Math.floor(random() * Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** exponent));
}

/** Equal jitter: half fixed, half random. Used where a near-zero delay would be a tight loop. */
export function equalJitter(attempt: number, random: Random, backoff: BackoffOptions): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** exponent);
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}

/** The error code a failure is stored and shown under. */
export function codeForFailure(failure: RetryFailure): HubSpotKitErrorCode {
  switch (failure.kind) {
    case 'timeout':
      return 'HUBSPOT_TIMEOUT';
    case 'network':
      return 'HUBSPOT_UNREACHABLE';
    case 'aborted':
      return 'SHUTTING_DOWN';
    case 'refresh-refused':
      return 'MUST_RECONNECT';
    case 'refresh-failed':
      return 'TOKEN_REFRESH_FAILED';
    case 'invalid-input':
      return 'INVALID_INVITE';
    case 'credentials-unreadable':
      return 'DECRYPTION_FAILED';
    case 'database-conflict':
      return 'INTERNAL';
    case 'http':
      if (failure.status === 429) return 'HUBSPOT_RATE_LIMITED';
      if (failure.status === 423) return 'HUBSPOT_LOCKED';
      if (failure.status === 401) return 'HUBSPOT_UNAUTHORIZED';
      if (failure.status === 403) return failure.missingScopes ? 'MISSING_SCOPES' : 'HUBSPOT_FORBIDDEN';
      if (failure.unknownProperty) return 'PROPERTIES_MISSING';
      if (failure.status >= 500 || failure.status === 477) return 'HUBSPOT_UNAVAILABLE';
      return 'HUBSPOT_REJECTED';
  }
}

function isTransient(failure: RetryFailure): boolean {
  if (failure.kind === 'timeout' || failure.kind === 'network') return true;
  if (failure.kind !== 'http') return false;
  // A missing property is transient once the bootstrap has run: HubSpot takes a moment to accept
  // writes to a new property. A second 401 after a refresh is treated as transient too (the token
  // keeper decides revocation from the refresh answer, never from one 401).
  return failure.status === 429 || failure.status === 423 || failure.status === 477 || failure.status >= 500 || failure.status === 401 || failure.unknownProperty;
}

/**
 * The decision. Order matters: what needs the connection fixed comes first, then the cures that
 * do not cost an attempt (refresh, re-bootstrap), then permanent refusals, then transient trouble.
 */
export function decideRetry(failure: RetryFailure, context: RetryContext, policy: RetryPolicyOptions = DEFAULT_RETRY_POLICY): RetryStep {
  const code = codeForFailure(failure);
  switch (failure.kind) {
    case 'aborted':
      return { action: 'hold', delayMs: 0, code };
    case 'refresh-refused':
      return { action: 'hold', delayMs: null, code };
    case 'refresh-failed':
      if (failure.retryAt !== undefined) return { action: 'hold', delayMs: Math.max(0, failure.retryAt - context.now), code };
      return { action: 'hold', delayMs: equalJitter(context.refreshFailures ?? 1, context.random, policy.refreshBackoff), code };
    case 'invalid-input':
      return { action: 'fail', code };
    case 'credentials-unreadable':
      // Not a loop: the rows wait; a restored key is picked up at the next check, a reconnect at once.
      return { action: 'hold', delayMs: policy.unreadableRecheckMs, code };
    case 'database-conflict':
      // The other transaction has gone on by now; a short jittered wait keeps two writers apart.
      return context.attempt < policy.maxAttemptsPerPass ? { action: 'retry-now', delayMs: fullJitter(context.attempt, context.random, { baseDelayMs: 50, maxDelayMs: 1_000 }), code } : { action: 'fail', code };
    default:
      break;
  }
  if (failure.kind === 'http') {
    if (failure.status === 401 && !context.refreshed) return { action: 'refresh-token', code };
    // Missing scopes (or another 403) will not heal by waiting: hold the rows for a reconnect.
    if (failure.status === 403) return { action: 'hold', delayMs: null, code };
    if (failure.unknownProperty && !context.rebootstrapped) return { action: 'rebootstrap', code };
    if (!isTransient(failure)) return { action: 'isolate', code };
  }

  // Transient: wait here if the wait is short and the pass has attempts left, else go back to the queue.
  const minimum = failure.kind === 'http' ? (failure.status === 423 ? LOCKED_MIN_MS : failure.status === 429 ? RATE_LIMITED_MIN_MS : 0) : 0;
  const retryAfter = failure.kind === 'http' ? (failure.retryAfterMs ?? 0) : 0;
  const inPass = Math.max(fullJitter(context.attempt, context.random, policy.backoff), minimum, retryAfter);
  if (context.attempt < policy.maxAttemptsPerPass && inPass <= context.maxWaitMs) return { action: 'retry-now', delayMs: inPass, code };
  if (!context.queued) return { action: 'fail', code };
  const failingFor = context.failingSince === null ? 0 : context.now - context.failingSince;
  if (failingFor >= policy.horizonMs) return { action: 'fail', code: 'RETRIES_EXHAUSTED' };
  // The delay between passes grows with how long the trouble has lasted (a quarter of it, between
  // the queue's first step and its ceiling), so a blip is retried within seconds, an hour-long
  // outage every ~15 minutes and a day-long one hourly, with no counter to keep.
  if (context.failingSince === null) return { action: 'retry-later', delayMs: inPass, code };
  const step = Math.min(policy.queueBackoff.maxDelayMs, Math.max(policy.queueBackoff.baseDelayMs, failingFor / 4));
  const jittered = Math.floor(step / 2 + context.random() * (step / 2));
  return { action: 'retry-later', delayMs: Math.max(jittered, minimum, retryAfter), code };
}

// ---- turning what a call threw into a RetryFailure, and into error details ----

function hasMissingScopes(error: HubSpotCallError): boolean {
  return error.category === 'MISSING_SCOPES';
}

export function isUnknownPropertyError(error: HubSpotCallError): boolean {
  if (error.status !== 400) return false;
  if (error.body?.errors?.some((entry) => entry.code === 'PROPERTY_DOESNT_EXIST')) return true;
  return /PROPERTY_DOESNT_EXIST|Property group .* does not exist/i.test(error.body?.message ?? '');
}

/** Reduces anything a HubSpot call (or the token keeper) threw to a RetryFailure; null = a bug, rethrow it. */
export function failureFromError(error: unknown, now: number): RetryFailure | null {
  if (error instanceof HubSpotKitError) {
    if (error.code === 'MUST_RECONNECT' || error.code === 'NOT_CONNECTED') return { kind: 'refresh-refused' };
    if (error.code === 'DECRYPTION_FAILED' || error.code === 'ENCRYPTION_KEY_MISSING') return { kind: 'credentials-unreadable' };
    if (error.code === 'TOKEN_REFRESH_FAILED') return typeof error.details.retryAt === 'number' ? { kind: 'refresh-failed', retryAt: error.details.retryAt } : { kind: 'refresh-failed' };
    if (error.code === 'SHUTTING_DOWN') return { kind: 'aborted' };
    if (error.code === 'INVALID_INVITE') return { kind: 'invalid-input' };
    // A kit error wrapping a HubSpot answer (the bootstrap's BOOTSTRAP_FAILED) is decided by that answer.
    return error.cause === undefined ? null : failureFromError(error.cause, now);
  }
  const sqlState = (error as { code?: unknown } | null)?.code;
  if (sqlState === '40P01' || sqlState === '40001') return { kind: 'database-conflict' };
  if (!(error instanceof HubSpotCallError)) return null;
  if (error.kind === 'timeout') return { kind: 'timeout' };
  if (error.kind === 'network') return { kind: 'network' };
  if (error.kind === 'aborted') return { kind: 'aborted' };
  return {
    kind: 'http',
    status: error.status ?? 0,
    retryAfterMs: error.retryAfterMs(now),
    unknownProperty: isUnknownPropertyError(error),
    missingScopes: hasMissingScopes(error),
  };
}

/** Structured facts of a HubSpot answer, for storage and the widget (HubSpot's own words kept verbatim). */
export function detailsFromError(error: unknown): ErrorDetails {
  if (error instanceof HubSpotCallError) {
    const details: ErrorDetails = { status: error.status, correlationId: error.correlationId };
    const firstMessage = error.body?.errors?.find((entry) => entry.message)?.message;
    const hubspotMessage = firstMessage ?? error.body?.message;
    if (hubspotMessage) details.hubspotMessage = hubspotMessage.slice(0, 500);
    if (error.category) details.hubspotCategory = error.category;
    const propertyName = error.body?.errors?.find((entry) => Array.isArray(entry.context?.propertyName))?.context?.propertyName as unknown[] | undefined;
    if (propertyName?.[0]) details.property = String(propertyName[0]);
    const scopes = error.body?.errors?.find((entry) => Array.isArray(entry.context?.requiredGranularScopes))?.context?.requiredGranularScopes;
    if (Array.isArray(scopes)) details.requiredScopes = scopes.map(String);
    return details;
  }
  if (error instanceof HubSpotKitError) return { ...error.details };
  return {};
}

/** Whether an error code can heal by trying again (used when a caller only has a code). */
export function isRetryable(code: HubSpotKitErrorCode): boolean {
  return ERROR_CODES[code].retryable;
}
