import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Knex } from 'knex';
import { HubSpotKitError } from '../errors.js';
import { MERGE_POLICIES, type MergePolicy } from '../mapping/map-invite.js';
import { nullNotifier, realSleep, silentLogger, systemClock, type Clock, type Fetch, type Logger, type Notifier, type Random, type Sleep } from '../ports/ports.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicyOptions } from '../retry/retry-policy.js';
import type { HubSpotIntegrationOptions } from './types.js';

/**
 * Everything the integration's modules share: the injected ports, the resolved settings and the
 * shutdown signal. Built once by the factory; each module takes what it needs from it.
 */
export interface IntegrationContext {
  db: Knex;
  clock: Clock;
  sleep: Sleep;
  random: Random;
  logger: Logger;
  notifier: Notifier;
  fetch: Fetch;
  now(): Date;
  /** Aborted by `close()`: every wait and in-flight call listens to it. */
  shutdown: AbortSignal;
  settings: IntegrationSettings;
}

export interface IntegrationSettings {
  clientId: string;
  redirectUri: string;
  apiBase: string;
  authBase: string;
  optionalScopes: string[] | undefined;
  resultUrlBase: string;
  mergePolicy: MergePolicy;
  contactNames: boolean;
  sharedPortals: 'confirm' | 'allow' | 'refuse';
  leaseMs: number;
  requestTimeoutMs: number;
  workerId: string;
  pushOnEnqueue: boolean;
  oauthStateTtlMs: number;
  refreshAheadMs: number;
  syncLogRetentionDays: number;
  retryPolicy: RetryPolicyOptions;
  /** Longest wait delivery spends in-process before handing a row back to the queue. */
  deliveryMaxWaitMs: number;
  /** Longest wait an admin's request (resync) spends on a retry before answering. */
  requestMaxWaitMs: number;
  /**
   * How long after a timed-out upsert its contacts are read back: by then an abandoned request has
   * been applied or dropped. Twice the request timeout.
   */
  readBackAfterMs: number;
  rateLimit: { maxRequests?: number; intervalMs?: number };
}

/** Checks the host's options and fills in the defaults. Reads no environment, opens nothing. */
export function resolveIntegrationContext(options: HubSpotIntegrationOptions, shutdown: AbortController): IntegrationContext {
  if (!options?.db) throw new HubSpotKitError('INVALID_OPTIONS', 'createHubSpotIntegration needs `db` (a knex instance)');
  if (!options.hubspot?.clientId || !options.hubspot.clientSecret || !options.hubspot.redirectUri) {
    throw new HubSpotKitError('INVALID_OPTIONS', 'createHubSpotIntegration needs hubspot.clientId, hubspot.clientSecret and hubspot.redirectUri');
  }
  if (!options.resultUrlBase) throw new HubSpotKitError('INVALID_OPTIONS', 'createHubSpotIntegration needs `resultUrlBase` (the JobCannon dashboard origin)');
  if (options.mergePolicy !== undefined && !MERGE_POLICIES.includes(options.mergePolicy)) {
    throw new HubSpotKitError('INVALID_OPTIONS', `createHubSpotIntegration: mergePolicy must be one of ${MERGE_POLICIES.join(', ')}`);
  }
  const clock = options.clock ?? systemClock;
  // Every queued batch listens on this one signal (limiter, HTTP call): many at once is normal.
  setMaxListeners(0, shutdown.signal);
  const retry = options.retry ?? {};
  return {
    db: options.db,
    clock,
    sleep: options.sleep ?? realSleep,
    random: options.random ?? Math.random,
    logger: options.logger ?? silentLogger,
    notifier: options.notifier ?? nullNotifier,
    fetch: options.fetch ?? globalThis.fetch,
    now: () => new Date(clock.now()),
    shutdown: shutdown.signal,
    settings: {
      clientId: options.hubspot.clientId,
      redirectUri: options.hubspot.redirectUri,
      apiBase: options.hubspot.apiBase ?? 'https://api.hubapi.com',
      authBase: options.hubspot.authBase ?? 'https://app.hubspot.com',
      optionalScopes: options.hubspot.optionalScopes,
      resultUrlBase: options.resultUrlBase,
      mergePolicy: options.mergePolicy ?? 'latest-per-test',
      contactNames: options.contactNames === true,
      sharedPortals: options.sharedPortals ?? 'confirm',
      leaseMs: options.leaseMs ?? 60_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      workerId: options.workerId ?? `worker-${randomBytes(6).toString('hex')}`,
      pushOnEnqueue: options.pushOnEnqueue ?? true,
      oauthStateTtlMs: options.oauthStateTtlMs ?? 10 * 60_000,
      refreshAheadMs: options.refreshAheadMs ?? 5 * 60_000,
      syncLogRetentionDays: options.syncLogRetentionDays ?? 30,
      retryPolicy: {
        ...DEFAULT_RETRY_POLICY,
        maxAttemptsPerPass: retry.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttemptsPerPass,
        backoff: { baseDelayMs: retry.baseDelayMs ?? DEFAULT_RETRY_POLICY.backoff.baseDelayMs, maxDelayMs: retry.maxDelayMs ?? DEFAULT_RETRY_POLICY.backoff.maxDelayMs },
        horizonMs: retry.horizonMs ?? DEFAULT_RETRY_POLICY.horizonMs,
      },
      deliveryMaxWaitMs: 2_000,
      requestMaxWaitMs: 2_000,
      readBackAfterMs: 2 * (options.requestTimeoutMs ?? 30_000),
      rateLimit: { maxRequests: options.rateLimit?.maxRequests, intervalMs: options.rateLimit?.intervalMs },
    },
  };
}
