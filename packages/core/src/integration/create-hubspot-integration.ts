import { createHash, randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Knex } from 'knex';
import PQueue from 'p-queue';
import { createTokenCipher } from '../crypto/token-cipher.js';
import { bootstrapPortal, type CallRunner } from '../delivery/bootstrap.js';
import { retryDelay } from '../delivery/backoff.js';
import { createContactDelivery, type DeliveryItem, type DeliveryOutcome, type PortalSession } from '../delivery/contact-delivery.js';
import { DEFAULT_PORTAL_RATE_LIMIT, RateLimiterRegistry } from '../delivery/portal-rate-limiter.js';
import { HubSpotKitError, isHubSpotKitError } from '../errors.js';
import { createCrmApi } from '../hubspot/crm-api.js';
import { HubSpotCallError } from '../hubspot/hubspot-call-error.js';
import { mapInviteToProperties, normalizeEmail } from '../mapping/map-invite.js';
import type { AssessmentInvite } from '../mapping/assessment-invite.js';
import { createOAuthClient, OAuthGrantError } from '../oauth/oauth-client.js';
import { createTokenKeeper, MUST_RECONNECT_ACTION } from '../oauth/token-keeper.js';
import { nullNotifier, realSleep, silentLogger, systemClock } from '../ports/ports.js';
import { findConnectionsByPortal, getConnection, listConnectedOrgIds, saveConnection, updateConnection } from '../storage/connections-repository.js';
import { createExclusiveRunner } from '../storage/database.js';
import { runMigrations } from '../storage/migration-source.js';
import { consumeOAuthState, createOAuthState, pruneOAuthStates } from '../storage/oauth-states-repository.js';
import {
  claimDueRows,
  countQueue,
  listDueOrgIds,
  listFailures,
  markFailed,
  markManyPushed,
  nextDueAt,
  purgeContactData,
  reclaimExpiredLeases,
  releaseLease,
  renewLeases,
  reschedule,
  retryFailedRows,
  upsertSnapshot,
} from '../storage/outbox-repository.js';
import type { Connection, OutboxRow } from '../storage/rows.js';
import { appendSyncLog, listSyncLog, pruneSyncLog } from '../storage/sync-log-repository.js';
import { pruneWebhookEvents, recordWebhookEvent } from '../storage/webhook-events-repository.js';
import {
  REQUIRED_SCOPES,
  type BootstrapReport,
  type DrainOptions,
  type DrainResult,
  type HubSpotIntegration,
  type HubSpotIntegrationOptions,
  type IntegrationStatusReport,
} from './types.js';

/** Rows one worker claims per round for one org: ten full batches. */
const CLAIM_SIZE = 1_000;
/**
 * Claims in flight at once across all orgs. Each mostly waits on its portal's limiter or on
 * HubSpot, so many are cheap; every org has its own limiter, so a slow portal only slows itself.
 */
const CLAIM_CONCURRENCY = 64;
/**
 * Claims in flight per org: two, so the next claim's batches are already queued at the limiter
 * while the previous one is being settled, and the portal's window never sits idle.
 */
const CLAIMS_PER_ORG = 2;

const emptyDrain = (): DrainResult => ({ pushed: 0, created: 0, updated: 0, failed: 0, retried: 0, held: 0, batches: 0 });

function addDrain(into: DrainResult, from: DrainResult): void {
  for (const key of Object.keys(into) as Array<keyof DrainResult>) into[key] += from[key];
}

function hashState(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}

/** What the admin should do about an error code, in plain language. */
function actionFor(code: string): string | null {
  switch (code) {
    case 'MUST_RECONNECT':
      return MUST_RECONNECT_ACTION;
    case 'MISSING_SCOPES':
      return 'Reconnect HubSpot and approve every permission JobCannon asks for.';
    case 'PROPERTIES_MISSING':
    case 'BOOTSTRAP_FAILED':
      return 'Click Resync properties to re-create the JobCannon properties in HubSpot.';
    case 'HUBSPOT_RATE_LIMITED':
    case 'HUBSPOT_UNAVAILABLE':
    case 'HUBSPOT_TIMEOUT':
    case 'HUBSPOT_UNREACHABLE':
    case 'HUBSPOT_LOCKED':
      return 'Nothing to do: results are queued and retried automatically.';
    default:
      return null;
  }
}

/**
 * Builds the one object the router, widget API, sweep and host use. Plain options and injected
 * ports only: it reads no environment and opens no connection until a method is called.
 */
export function createHubSpotIntegration(options: HubSpotIntegrationOptions): HubSpotIntegration {
  if (!options?.db) throw new HubSpotKitError('INVALID_OPTIONS', 'createHubSpotIntegration needs `db` (a knex instance)');
  if (!options.hubspot?.clientId || !options.hubspot.clientSecret || !options.hubspot.redirectUri) {
    throw new HubSpotKitError('INVALID_OPTIONS', 'createHubSpotIntegration needs hubspot.clientId, hubspot.clientSecret and hubspot.redirectUri');
  }
  if (!options.resultUrlBase) throw new HubSpotKitError('INVALID_OPTIONS', 'createHubSpotIntegration needs `resultUrlBase` (the JobCannon dashboard origin)');

  const db = options.db;
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const notifier = options.notifier ?? nullNotifier;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const apiBase = options.hubspot.apiBase ?? 'https://api.hubapi.com';
  const authBase = options.hubspot.authBase ?? 'https://app.hubspot.com';
  const leaseMs = options.leaseMs ?? 60_000;
  const maxAttempts = options.retry?.maxAttempts ?? 6;
  const backoff = { baseDelayMs: options.retry?.baseDelayMs ?? 1_000, maxDelayMs: options.retry?.maxDelayMs ?? 5 * 60_000 };
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const workerId = options.workerId ?? `worker-${randomBytes(6).toString('hex')}`;
  const pushOnEnqueue = options.pushOnEnqueue ?? true;
  const now = () => new Date(clock.now());

  const cipher = createTokenCipher(options.encryption);
  const oauth = createOAuthClient({ ...options.hubspot, apiBase, authBase, fetch: fetchImpl, timeoutMs: requestTimeoutMs });
  const tokens = createTokenKeeper({ db, oauth, cipher, clock, logger, notifier, refreshAheadMs: options.refreshAheadMs ?? 5 * 60_000 });
  const exclusive = createExclusiveRunner(db);
  const limiters = new RateLimiterRegistry(
    {
      ...DEFAULT_PORTAL_RATE_LIMIT,
      maxRequests: options.rateLimit?.maxRequests ?? DEFAULT_PORTAL_RATE_LIMIT.maxRequests,
      intervalMs: options.rateLimit?.intervalMs ?? DEFAULT_PORTAL_RATE_LIMIT.intervalMs,
    },
    logger,
    (portalId, max) => {
      void db('hubspot_connections')
        .where({ portal_id: portalId })
        .update({ rate_limit_max: max })
        .catch((error: unknown) => logger.warn('could not store the learned rate limit', { portalId, message: (error as Error).message }));
    },
  );
  const crm = createCrmApi({ apiBase, timeoutMs: requestTimeoutMs });
  const delivery = createContactDelivery({ crm, clock, sleep, random, logger, maxAttempts, backoff, maxInProcessWaitMs: 2_000 });
  const shutdown = new AbortController();
  setMaxListeners(0, shutdown.signal);

  /** Runs one non-upsert HubSpot call for an org: limiter, token refresh on 401, bounded retries. */
  function callRunnerFor(connection: Connection): CallRunner {
    const limiter = limiters.forPortal(connection.portalId, connection.rateLimitMax);
    return async (label, call) => {
      let refreshed = false;
      for (let attempt = 1; ; attempt += 1) {
        const token = await tokens.accessToken(connection.orgId);
        try {
          return await limiter.schedule(() => call(token), shutdown.signal);
        } catch (error) {
          if (error instanceof HubSpotCallError && error.status === 401 && !refreshed) {
            refreshed = true;
            await tokens.refresh(connection.orgId, token);
            continue;
          }
          if (error instanceof HubSpotCallError && error.retryable && attempt < maxAttempts) {
            const delay = retryDelay({ attempt, random, backoff, retryAfterMs: error.retryAfterMs(clock.now()), minimumMs: error.status === 423 ? 2_000 : 0 });
            logger.warn('hubspot call failed; retrying', { label, orgId: connection.orgId, status: error.status, attempt, delay });
            await sleep(Math.min(delay, 30_000), shutdown.signal);
            continue;
          }
          throw error;
        }
      }
    };
  }

  async function requireConnection(orgId: string): Promise<Connection> {
    const connection = await getConnection(db, orgId);
    if (!connection || connection.status === 'disconnected') throw new HubSpotKitError('NOT_CONNECTED', 'HubSpot is not connected for this organization');
    if (connection.status === 'must_reconnect') throw new HubSpotKitError('MUST_RECONNECT', 'HubSpot must be reconnected before this can run');
    return connection;
  }

  async function setLastError(orgId: string, code: string | null, message: string | null): Promise<void> {
    const at = now();
    await updateConnection(
      db,
      orgId,
      code === null ? { lastErrorCode: null, lastErrorMessage: null, lastErrorAction: null, lastErrorAt: null } : { lastErrorCode: code, lastErrorMessage: message, lastErrorAction: actionFor(code), lastErrorAt: at },
      at,
    );
  }

  async function runBootstrap(connection: Connection): Promise<BootstrapReport> {
    let report: BootstrapReport;
    try {
      report = await bootstrapPortal(crm, callRunnerFor(connection), { clock, logger });
    } catch (error) {
      if (isHubSpotKitError(error)) throw error;
      const message = error instanceof HubSpotCallError ? error.message : (error as Error).message;
      const code = error instanceof HubSpotCallError && error.status === 403 ? 'MISSING_SCOPES' : 'BOOTSTRAP_FAILED';
      await setLastError(connection.orgId, code, `Could not set up the JobCannon properties in HubSpot: ${message}`);
      throw new HubSpotKitError(code === 'MISSING_SCOPES' ? 'MISSING_SCOPES' : 'BOOTSTRAP_FAILED', `Could not set up the JobCannon properties in HubSpot: ${message}`, { cause: error });
    }
    const at = now();
    await updateConnection(db, connection.orgId, { bootstrap: report }, at);
    if (!report.ok) {
      await setLastError(connection.orgId, 'PROPERTIES_MISSING', `HubSpot did not accept these properties: ${report.missing.join(', ')}`);
    } else if (connection.lastErrorCode === 'PROPERTIES_MISSING' || connection.lastErrorCode === 'BOOTSTRAP_FAILED') {
      await setLastError(connection.orgId, null, null);
    }
    return report;
  }

  // One bootstrap per org at a time, and none again right after one finished: every batch in
  // flight meets a deleted property at once, and each would otherwise re-run the bootstrap.
  const rebootstraps = new Map<string, Promise<void>>();
  const lastRebootstrapAt = new Map<string, number>();
  function sharedRebootstrap(connection: Connection): Promise<void> {
    const finishedAt = lastRebootstrapAt.get(connection.orgId);
    if (finishedAt !== undefined && clock.now() - finishedAt < 5_000) return Promise.resolve();
    let running = rebootstraps.get(connection.orgId);
    if (!running) {
      running = runBootstrap(connection)
        .then(() => {
          lastRebootstrapAt.set(connection.orgId, clock.now());
        })
        .finally(() => rebootstraps.delete(connection.orgId));
      rebootstraps.set(connection.orgId, running);
    }
    return running;
  }

  // ---- dispatcher: pushes as soon as something is enqueued, and again when retries fall due ----
  let draining: Promise<DrainResult> | null = null;
  let drainAgain = false;
  let wakeTimer: NodeJS.Timeout | undefined;
  let closed = false;

  function nudge(): void {
    if (closed || !pushOnEnqueue) return;
    if (draining) {
      drainAgain = true;
      return;
    }
    draining = (async () => {
      const total = emptyDrain();
      try {
        do {
          drainAgain = false;
          addDrain(total, await drain({ signal: shutdown.signal }));
        } while (drainAgain && !closed);
      } catch (error) {
        if (!closed) logger.error('background drain failed', { message: (error as Error).message });
      }
      return total;
    })().finally(() => {
      draining = null;
      if (!closed) void scheduleWake();
    });
  }

  async function scheduleWake(): Promise<void> {
    try {
      const next = await nextDueAt(db);
      clearTimeout(wakeTimer);
      if (next === null || closed) return;
      const delay = Math.min(Math.max(next.getTime() - clock.now(), 50), 5 * 60_000);
      wakeTimer = setTimeout(nudge, delay);
      wakeTimer.unref?.();
    } catch (error) {
      if (!closed) logger.warn('could not schedule the next drain', { message: (error as Error).message });
    }
  }

  async function drain(drainOptions: DrainOptions = {}): Promise<DrainResult> {
    const signal = drainOptions.signal ? AbortSignal.any([drainOptions.signal, shutdown.signal]) : AbortSignal.any([shutdown.signal]);
    // Every queued batch listens on this one signal (limiter, HTTP call): many at once is normal.
    setMaxListeners(0, signal);
    const total = emptyDrain();
    let budget = drainOptions.maxRows ?? Number.POSITIVE_INFINITY;
    const claims = new PQueue({ concurrency: CLAIM_CONCURRENCY });
    const active = new Map<string, number>();
    const failures: unknown[] = [];
    let progressed: boolean;

    /** One claim of one org; returns whether that org probably has more due rows. */
    const drainOnce = async (orgId: string): Promise<boolean> => {
      if (signal.aborted || budget <= 0) return false;
      const rows = await claimDueRows(db, { workerId, now: now(), leaseMs, limit: Math.min(CLAIM_SIZE, budget), orgId });
      if (rows.length === 0) return false;
      budget -= rows.length;
      let result: DrainResult;
      try {
        result = await pushRows(orgId, rows, signal);
      } catch (error) {
        // Give the rows back now (if the database lets us) rather than after the lease lapses;
        // rows already settled are not ours any more, so the guarded release skips them.
        await releaseLease(db, { ids: rows.map((row) => row.id), workerId }).catch(() => undefined);
        throw error;
      }
      addDrain(total, result);
      drainOptions.onBatch?.({ ...total });
      if (result.pushed + result.failed + result.retried > 0) progressed = true;
      return rows.length === CLAIM_SIZE && !(result.held > 0 && result.pushed === 0);
    };

    // Round-robin: an org that still has work goes to the back of the line after each claim, so
    // fifty portals share the workers claim by claim instead of waiting for one backlog to empty.
    const schedule = (orgId: string): void => {
      const running = active.get(orgId) ?? 0;
      if (running >= CLAIMS_PER_ORG || signal.aborted || budget <= 0) return;
      active.set(orgId, running + 1);
      void claims.add(async () => {
        let more = false;
        try {
          more = await drainOnce(orgId);
        } catch (error) {
          failures.push(error);
        } finally {
          active.set(orgId, (active.get(orgId) ?? 1) - 1);
        }
        if (more && failures.length === 0) {
          schedule(orgId);
          schedule(orgId);
        }
      });
    };

    for (;;) {
      const orgs = await listDueOrgIds(db, now(), drainOptions.orgId);
      if (orgs.length === 0 || signal.aborted || budget <= 0) break;
      progressed = false;
      for (const orgId of orgs) schedule(orgId);
      await claims.onIdle();
      if (failures.length > 0) throw failures[0];
      // Nothing settled (every due row was held): stop rather than spin; reconnect nudges again.
      if (!progressed) break;
    }
    return total;
  }

  async function pushRows(orgId: string, rows: OutboxRow[], signal: AbortSignal): Promise<DrainResult> {
    const result = emptyDrain();
    const connection = await getConnection(db, orgId);
    if (!connection || connection.status !== 'connected') {
      await releaseLease(db, { ids: rows.map((row) => row.id), workerId });
      result.held += rows.length;
      return result;
    }
    const rowsByKey = new Map(rows.map((row) => [row.id, row]));
    const items: DeliveryItem[] = [];
    for (const row of rows) {
      try {
        const properties = mapInviteToProperties(row.payload as AssessmentInvite, { resultUrlBase: options.resultUrlBase });
        items.push({ key: row.id, email: row.email, properties, attempts: row.attempts });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await markFailed(db, { id: row.id, version: row.version, workerId, attempts: row.attempts, error: { code: 'INVALID_INVITE', message }, now: now() });
        await appendSyncLog(db, [{ orgId, inviteId: row.inviteId, email: row.email, outcome: 'failed', errorCode: 'INVALID_INVITE', errorMessage: message, attempt: row.attempts, createdAt: now() }]);
        result.failed += 1;
      }
    }
    if (items.length === 0) return result;

    const session: PortalSession = {
      portalId: connection.portalId,
      limiter: limiters.forPortal(connection.portalId, connection.rateLimitMax),
      accessToken: () => tokens.accessToken(orgId),
      refreshAfterUnauthorized: async () => {
        const current = await tokens.accessToken(orgId).catch(() => null);
        return tokens.refresh(orgId, current);
      },
      rebootstrap: () => sharedRebootstrap(connection),
      claimForSend: async (keys) => new Set(await renewLeases(db, { ids: keys, workerId, until: new Date(clock.now() + leaseMs) })),
    };
    const outcomes = await delivery.deliver(session, items, signal);
    await settleOutcomes(orgId, outcomes, rowsByKey, result);
    result.batches += Math.ceil(items.length / 100);
    return result;
  }

  async function settleOutcomes(orgId: string, outcomes: DeliveryOutcome[], rowsByKey: Map<string, OutboxRow>, result: DrainResult): Promise<void> {
    const at = now();
    const log: Parameters<typeof appendSyncLog>[1][number][] = [];
    const held: string[] = [];
    let heldError: { code: string; message: string } | null = null;
    let lastFailure: { code: string; message: string } | null = null;
    const pushed: Array<{ id: string; version: number; contactId: string | null }> = [];
    const writes: Array<(trx: Knex.Transaction) => Promise<unknown>> = [];
    for (const outcome of outcomes) {
      const row = rowsByKey.get(outcome.key)!;
      const guard = { id: row.id, version: row.version, workerId };
      switch (outcome.status) {
        case 'pushed':
          pushed.push({ id: row.id, version: row.version, contactId: outcome.contactId });
          log.push({ orgId, inviteId: row.inviteId, email: row.email, outcome: outcome.created ? 'created' : 'updated', hubspotContactId: outcome.contactId, correlationId: outcome.correlationId, attempt: outcome.attempts, createdAt: at });
          result.pushed += 1;
          if (outcome.created) result.created += 1;
          else result.updated += 1;
          break;
        case 'retry':
          writes.push((trx) => reschedule(trx, { ...guard, nextAttemptAt: new Date(outcome.retryAt), attempts: outcome.attempts, error: outcome.error, now: at }));
          log.push({ orgId, inviteId: row.inviteId, email: row.email, outcome: 'retry', errorCode: outcome.error.code, errorMessage: outcome.error.message, correlationId: outcome.error.correlationId ?? null, attempt: outcome.attempts, createdAt: at });
          lastFailure = outcome.error;
          result.retried += 1;
          break;
        case 'failed':
          writes.push((trx) => markFailed(trx, { ...guard, attempts: outcome.attempts, error: outcome.error, now: at }));
          log.push({ orgId, inviteId: row.inviteId, email: row.email, outcome: 'failed', errorCode: outcome.error.code, errorMessage: outcome.error.message, correlationId: outcome.error.correlationId ?? null, attempt: outcome.attempts, createdAt: at });
          result.failed += 1;
          break;
        case 'held':
          held.push(row.id);
          heldError = outcome.error;
          result.held += 1;
          break;
        case 'superseded':
          // One outbox row per org and email means this cannot happen; release it to be safe.
          held.push(row.id);
          break;
      }
    }
    // The outbox rows and their sync log entries change together: a crash (or a dropped
    // connection) between the two can leave neither a settled row without its log line nor the reverse.
    await db.transaction(async (trx) => {
      for (const write of writes) await write(trx);
      if (pushed.length > 0) await markManyPushed(trx, { workerId, now: at, rows: pushed });
      if (held.length > 0) await releaseLease(trx, { ids: held, workerId });
      if (log.length > 0) await appendSyncLog(trx, log);
    });
    if (result.pushed > 0) {
      const connection = await getConnection(db, orgId);
      const clearable = connection?.lastErrorCode && !['MUST_RECONNECT', 'PROPERTIES_MISSING'].includes(connection.lastErrorCode);
      await updateConnection(db, orgId, clearable ? { lastSyncAt: at, lastErrorCode: null, lastErrorMessage: null, lastErrorAction: null, lastErrorAt: null } : { lastSyncAt: at }, at);
    } else if (heldError && heldError.code === 'MISSING_SCOPES') {
      await setLastError(orgId, 'MISSING_SCOPES', heldError.message);
    } else if (lastFailure) {
      await setLastError(orgId, lastFailure.code, `Recent pushes to HubSpot failed and will be retried: ${lastFailure.message}`);
    }
  }

  const integration: HubSpotIntegration = {
    webhookSecret: options.hubspot.clientSecret,

    async migrate() {
      await runMigrations(db);
    },

    async enqueue(invite, trx) {
      const target = trx ?? db;
      const raw = invite as Partial<AssessmentInvite>;
      const orgId = typeof raw.orgId === 'string' ? raw.orgId.trim() : '';
      const rawEmail = typeof raw.email === 'string' ? raw.email : '';
      if (!orgId || !rawEmail.trim()) {
        throw new HubSpotKitError('INVALID_INVITE', `Invite ${String(raw.id ?? '(no id)')}: ${!orgId ? 'orgId' : 'email'} is required to queue it (value: ${JSON.stringify(!orgId ? raw.orgId : raw.email) ?? 'missing'})`, {
          details: { inviteId: raw.id ?? null, field: !orgId ? 'orgId' : 'email', value: !orgId ? raw.orgId : raw.email },
        });
      }
      let snapshot: 'completed' | 'partial';
      let failed: { code: 'INVALID_INVITE'; message: string } | undefined;
      try {
        snapshot = mapInviteToProperties(invite, { resultUrlBase: options.resultUrlBase }).jc_test_status === 'completed' ? 'completed' : 'partial';
      } catch (error) {
        if (!isHubSpotKitError(error, 'INVALID_INVITE')) throw error;
        // Kept, with its reason, for the admin: never lost and never blocking the others.
        failed = { code: 'INVALID_INVITE', message: error.message };
        snapshot = raw.status === 'completed' ? 'completed' : 'partial';
      }
      const updatedAt = typeof raw.updatedAt === 'string' && !Number.isNaN(Date.parse(raw.updatedAt)) ? new Date(raw.updatedAt) : now();
      const stored = await upsertSnapshot(
        target,
        { orgId, email: normalizeEmail(rawEmail), inviteId: String(raw.id ?? ''), snapshot, inviteUpdatedAt: updatedAt, payload: invite, ...(failed ? { failed } : {}) },
        now(),
      );
      if (stored.outcome === 'ignored') return { queued: false, reason: stored.reason };
      if (!failed) {
        if (trx) void trx.executionPromise.then(nudge, () => {});
        else nudge();
      }
      return failed ? { queued: true, rowId: stored.row.id, snapshot, failed } : { queued: true, rowId: stored.row.id, snapshot };
    },

    async connectUrl({ orgId, userId, allowPortalChange }) {
      if (!orgId || !userId) throw new HubSpotKitError('BAD_REQUEST', 'connectUrl needs orgId and userId');
      const state = randomBytes(32).toString('base64url');
      const at = now();
      await createOAuthState(db, { stateHash: hashState(state), orgId, userId, allowPortalChange: allowPortalChange === true, now: at, expiresAt: new Date(at.getTime() + (options.oauthStateTtlMs ?? 10 * 60_000)) });
      return oauth.authorizeUrl({ scopes: REQUIRED_SCOPES, optionalScopes: options.hubspot.optionalScopes, state });
    },

    async completeOAuth(input) {
      const consumed = input.state ? await consumeOAuthState(db, hashState(input.state), now()) : null;
      if (!consumed || !consumed.ok) {
        const expired = consumed && !consumed.ok && consumed.reason === 'expired';
        throw new HubSpotKitError(expired ? 'OAUTH_STATE_EXPIRED' : 'OAUTH_STATE_INVALID', expired ? 'The connect link expired; start again from JobCannon' : 'The connect request was not recognised or was already used; start again from JobCannon', {
          details: { reason: consumed && !consumed.ok ? consumed.reason : 'missing' },
        });
      }
      const { orgId, userId, allowPortalChange } = consumed.state;
      if (input.expectedOrgId && input.expectedOrgId !== orgId) {
        throw new HubSpotKitError('OAUTH_ORG_MISMATCH', 'This HubSpot connection was started for another organization than the one you are signed in to.', {
          details: { orgId: input.expectedOrgId },
        });
      }
      if (input.error) {
        throw new HubSpotKitError('OAUTH_DENIED', input.errorDescription ? `HubSpot did not grant access: ${input.errorDescription}` : 'Access was not granted in HubSpot', { details: { orgId, error: input.error } });
      }
      if (!input.code) throw new HubSpotKitError('OAUTH_EXCHANGE_FAILED', 'HubSpot sent no authorization code', { details: { orgId } });
      let tokenSet;
      let info;
      try {
        tokenSet = await oauth.exchangeCode(input.code);
        info = await oauth.introspect(tokenSet.accessToken);
      } catch (error) {
        const message = error instanceof OAuthGrantError ? error.message : (error as Error).message;
        throw new HubSpotKitError('OAUTH_EXCHANGE_FAILED', `HubSpot did not complete the connection: ${message}`, { details: { orgId }, cause: error });
      }
      const portalId = info.hubId ?? tokenSet.hubId;
      if (portalId === null) throw new HubSpotKitError('OAUTH_EXCHANGE_FAILED', 'HubSpot did not say which portal was connected', { details: { orgId } });
      const granted = info.scopes.length > 0 ? info.scopes : tokenSet.scopes ?? [];
      const missing = REQUIRED_SCOPES.filter((scope) => !granted.includes(scope));
      if (missing.length > 0) {
        await oauth.revoke(tokenSet.refreshToken).catch(() => {});
        throw new HubSpotKitError('MISSING_SCOPES', `The connection lacks required permissions: ${missing.join(', ')}. Connect again and approve all of them.`, { details: { orgId, missing } });
      }
      const previous = await getConnection(db, orgId);
      if (previous && previous.portalId !== portalId && !allowPortalChange) {
        await oauth.revoke(tokenSet.refreshToken).catch(() => {});
        throw new HubSpotKitError(
          'PORTAL_MISMATCH',
          `This organization was connected to HubSpot portal ${previous.portalDomain ?? previous.portalId} (${previous.portalId}), but portal ${info.hubDomain ?? portalId} (${portalId}) was approved. Confirm the switch to connect the new portal.`,
          { details: { orgId, previousPortalId: previous.portalId, portalId } },
        );
      }
      const at = now();
      const connection = await saveConnection(
        db,
        {
          orgId,
          portalId,
          portalDomain: info.hubDomain,
          installedByUserId: userId,
          installedByEmail: info.user,
          scopes: granted,
          accessTokenEnc: cipher.encrypt(tokenSet.accessToken),
          refreshTokenEnc: cipher.encrypt(tokenSet.refreshToken),
          accessExpiresAt: new Date(at.getTime() + tokenSet.expiresInSeconds * 1000),
          status: 'connected',
          rateLimitMax: previous?.portalId === portalId ? previous.rateLimitMax : null,
          connectedAt: at,
          lastSyncAt: previous?.portalId === portalId ? previous.lastSyncAt : null,
          alertedAt: null,
        },
        at,
      );
      tokens.forget(orgId);
      const reconnected = previous?.status === 'must_reconnect';
      if (reconnected) {
        await notifier
          .notify({ kind: 'reconnected', orgId, portalId, portalDomain: info.hubDomain, text: `HubSpot portal ${info.hubDomain ?? portalId} is reconnected. Held assessment results are being sent now.` })
          .catch((error: unknown) => logger.warn('reconnect notice failed', { orgId, message: (error as Error).message }));
      }
      let bootstrap: BootstrapReport;
      try {
        bootstrap = await runBootstrap(connection);
      } catch (error) {
        bootstrap = { ok: false, groupCreated: false, created: [], existing: [], missing: [], drift: [], checkedAt: now().toISOString() };
        logger.warn('bootstrap after connect failed', { orgId, message: (error as Error).message });
      }
      nudge();
      return { orgId, userId, portal: { id: portalId, domain: info.hubDomain }, reconnected, bootstrap };
    },

    async status(orgId): Promise<IntegrationStatusReport> {
      const [connection, queue] = await Promise.all([getConnection(db, orgId), countQueue(db, orgId)]);
      if (!connection) {
        return { status: 'not_connected', portal: null, connectedBy: null, connectedAt: null, lastSyncAt: null, lastError: null, queue, bootstrap: null, syncing: false };
      }
      return {
        status: connection.status,
        portal: { id: connection.portalId, domain: connection.portalDomain },
        connectedBy: connection.installedByEmail ?? connection.installedByUserId,
        connectedAt: connection.connectedAt.toISOString(),
        lastSyncAt: connection.lastSyncAt?.toISOString() ?? null,
        lastError:
          connection.lastErrorCode === null
            ? null
            : { code: connection.lastErrorCode, message: connection.lastErrorMessage ?? '', action: connection.lastErrorAction, at: (connection.lastErrorAt ?? connection.updatedAt).toISOString() },
        queue,
        bootstrap: connection.bootstrap
          ? { ok: connection.bootstrap.ok, missing: connection.bootstrap.missing, drift: connection.bootstrap.drift, checkedAt: connection.bootstrap.checkedAt }
          : null,
        syncing: connection.status === 'connected' && queue.pending > 0,
      };
    },

    async resync(orgId) {
      const report = await runBootstrap(await requireConnection(orgId));
      nudge();
      return report;
    },

    async disconnect(orgId) {
      const connection = await getConnection(db, orgId);
      if (!connection || connection.status === 'disconnected') return;
      if (connection.status === 'connected') {
        try {
          const token = await tokens.accessToken(orgId);
          await oauth.uninstall(token);
        } catch (error) {
          logger.warn('uninstall during disconnect failed', { orgId, message: (error as Error).message });
        }
      }
      if (connection.refreshTokenEnc) {
        await oauth.revoke(cipher.decrypt(connection.refreshTokenEnc)).catch((error: unknown) => logger.warn('token revoke during disconnect failed', { orgId, message: (error as Error).message }));
      }
      tokens.forget(orgId);
      const at = now();
      await updateConnection(db, orgId, { status: 'disconnected', accessTokenEnc: null, refreshTokenEnc: null, accessExpiresAt: null, lastErrorCode: null, lastErrorMessage: null, lastErrorAction: null, lastErrorAt: null }, at);
      logger.info('hubspot disconnected', { orgId, portalId: connection.portalId });
    },

    failures: (orgId, page) => listFailures(db, orgId, page),

    async retryFailed(orgId, ids) {
      const retried = await retryFailedRows(db, orgId, ids, now());
      if (retried > 0) nudge();
      return { retried };
    },

    drain,

    reclaimExpiredLeases: () => reclaimExpiredLeases(db, now()),

    async maintain() {
      const at = now();
      const reclaimed = await reclaimExpiredLeases(db, at);
      const retentionMs = (options.syncLogRetentionDays ?? 30) * 24 * 3600_000;
      const prunedSyncLog = await pruneSyncLog(db, new Date(at.getTime() - retentionMs));
      await pruneOAuthStates(db, new Date(at.getTime() - 24 * 3600_000));
      await pruneWebhookEvents(db, new Date(at.getTime() - 7 * 24 * 3600_000));
      return { reclaimed, prunedSyncLog };
    },

    async syncLog(orgId, logOptions) {
      const entries = await listSyncLog(db, orgId, logOptions);
      return entries.map((entry) => ({
        inviteId: entry.inviteId,
        email: entry.email,
        outcome: entry.outcome,
        hubspotContactId: entry.hubspotContactId,
        errorCode: entry.errorCode,
        errorMessage: entry.errorMessage,
        correlationId: entry.correlationId,
        attempt: entry.attempt,
        at: entry.createdAt.toISOString(),
      }));
    },

    async sweepPartials(source, sweepOptions = {}) {
      const result = { orgs: 0, seen: 0, enqueued: 0, skipped: 0, invalid: 0 };
      for (const orgId of await listConnectedOrgIds(db)) {
        if (sweepOptions.signal?.aborted) break;
        result.orgs += 1;
        const progress = { orgId, seen: 0, enqueued: 0, skipped: 0 };
        for await (const page of source(orgId)) {
          for (const invite of Array.isArray(page) ? page : [page]) {
            if (sweepOptions.signal?.aborted) break;
            progress.seen += 1;
            result.seen += 1;
            if (invite.orgId !== orgId) {
              result.invalid += 1;
              logger.warn('partial sweep skipped an invite of another org', { orgId, inviteId: invite.id });
              continue;
            }
            if (sweepOptions.dryRun) {
              progress.enqueued += 1;
              result.enqueued += 1;
              continue;
            }
            try {
              const outcome = await integration.enqueue(invite);
              if (!outcome.queued) {
                progress.skipped += 1;
                result.skipped += 1;
              } else if ('failed' in outcome) {
                result.invalid += 1;
              } else {
                progress.enqueued += 1;
                result.enqueued += 1;
              }
            } catch (error) {
              if (!isHubSpotKitError(error, 'INVALID_INVITE')) throw error;
              result.invalid += 1;
            }
          }
          sweepOptions.onProgress?.({ ...progress });
          if (sweepOptions.signal?.aborted) break;
        }
      }
      return result;
    },

    connectedOrgIds: () => listConnectedOrgIds(db),

    runExclusive: (lockName, task) => exclusive.runExclusive(lockName, task),

    async handleWebhookEvents(events) {
      const result = { received: events.length, processed: 0, duplicates: 0, purgedRows: 0 };
      const sorted = [...events].sort((a, b) => a.occurredAt - b.occurredAt);
      for (const event of sorted) {
        const eventKey = `${event.portalId}:${event.subscriptionType}:${event.eventId}:${event.occurredAt}`;
        // The event id is recorded in the same transaction as its effect: a purge that fails leaves
        // the id unrecorded, so HubSpot's redelivery runs it again instead of being dropped as a duplicate.
        await db.transaction(async (trx) => {
          const first = await recordWebhookEvent(trx, { eventKey, portalId: Number(event.portalId), subscriptionType: String(event.subscriptionType), now: now() });
          if (!first) {
            result.duplicates += 1;
            return;
          }
          result.processed += 1;
          if (event.subscriptionType !== 'contact.privacyDeletion' && event.subscriptionType !== 'object.privacyDeletion') return;
          for (const connection of await findConnectionsByPortal(trx, Number(event.portalId))) {
            const purged = await purgeContactData(trx, connection.orgId, { contactId: String(event.objectId) });
            result.purgedRows += purged.outboxRows + purged.syncLogRows;
            logger.info('privacy deletion purged local data', { orgId: connection.orgId, portalId: event.portalId, rows: purged.outboxRows + purged.syncLogRows });
          }
        });
      }
      return result;
    },

    async close() {
      closed = true;
      clearTimeout(wakeTimer);
      shutdown.abort(new HubSpotKitError('INTERNAL', 'integration closed'));
      await draining?.catch(() => undefined);
      await limiters.close();
      crm.close();
    },
  };
  return integration;
}
