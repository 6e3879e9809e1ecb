import { createConnectionAdmin } from '../connections/connection-admin.js';
import { createConnectionHealth } from '../connections/connection-health.js';
import { createConnectionState } from '../connections/connection-state.js';
import { reencryptTokens } from '../crypto/reencrypt-tokens.js';
import { createTokenCipher } from '../crypto/token-cipher.js';
import { createBootstrapRunner } from '../delivery/bootstrap-runner.js';
import { createContactDelivery } from '../delivery/contact-delivery.js';
import { createDispatcher } from '../delivery/dispatcher.js';
import { createDrain } from '../delivery/drain.js';
import { createErrorBudget } from '../budget/error-budget.js';
import { createCallRunner } from '../delivery/hubspot-call-runner.js';
import { createReadBack } from '../delivery/read-back.js';
import { DEFAULT_PORTAL_RATE_LIMIT, RateLimiterRegistry } from '../delivery/portal-rate-limiter.js';
import { createPortalBudget } from '../budget/postgres-portal-budget.js';
import { createOutcomeSettler } from '../delivery/settle-outcomes.js';
import { HubSpotKitError } from '../errors.js';
import { createCrmApi } from '../hubspot/crm-api.js';
import { createMaintenance } from '../maintenance/maintenance.js';
import { createKitMetrics } from '../metrics/kit-metrics.js';
import { protectLogger, toLoggerPort } from '../metrics/logger-adapters.js';
import { createConnectFlow } from '../oauth/connect-flow.js';
import { createOAuthClient } from '../oauth/oauth-client.js';
import { createTokenKeeper } from '../oauth/token-keeper.js';
import { createBackfill } from '../queue/backfill.js';
import { createEnqueue } from '../queue/enqueue.js';
import { listConnectedOrgIds } from '../storage/connections-repository.js';
import { createExclusiveRunner } from '../storage/database.js';
import { runMigrations } from '../storage/migration-source.js';
import { dismissFailures, listFailures, retryFailedRows } from '../storage/failures-repository.js';
import { listSyncLog } from '../storage/sync-log-repository.js';
import { createWebhookHandler } from '../webhooks/webhook-handler.js';
import { resolveIntegrationContext } from './integration-context.js';
import type { HubSpotIntegration, HubSpotIntegrationOptions } from './types.js';

/**
 * Builds the one object the router, widget API, sweep and host use. Wiring only: each behaviour
 * lives in a module named for it (see the core README's module map). Plain options and injected
 * ports: it reads no environment and opens no connection until a method is called.
 */
export function createHubSpotIntegration(options: HubSpotIntegrationOptions): HubSpotIntegration {
  const shutdown = new AbortController();
  // A pino logger is adapted; every line is kept free of tokens, secrets and (above debug) emails.
  const ctx = resolveIntegrationContext({ ...options, logger: options.logger && protectLogger(toLoggerPort(options.logger)) }, shutdown);
  const { db, clock, logger, settings } = ctx;
  const metrics = createKitMetrics({ ...options.metrics, db, clock, logger });

  const errorBudget = createErrorBudget({ db, clock, logger });
  const cipher = createTokenCipher(options.encryption);
  const oauth = createOAuthClient({ ...options.hubspot, apiBase: settings.apiBase, authBase: settings.authBase, fetch: ctx.fetch, timeoutMs: settings.requestTimeoutMs });
  const tokens = createTokenKeeper({ db, oauth, cipher, clock, logger, notifier: ctx.notifier, refreshAheadMs: settings.refreshAheadMs, random: ctx.random, policy: settings.retryPolicy, onRefresh: metrics.recordTokenRefresh });
  // One budget per portal for every process on this database (PGlite: this process alone). A
  // host's rateLimit.maxRequests is a ceiling HubSpot's headers may lower but not raise.
  const limiters = new RateLimiterRegistry(
    {
      ...DEFAULT_PORTAL_RATE_LIMIT,
      maxRequests: settings.rateLimit.maxRequests ?? DEFAULT_PORTAL_RATE_LIMIT.maxRequests,
      intervalMs: settings.rateLimit.intervalMs ?? DEFAULT_PORTAL_RATE_LIMIT.intervalMs,
      leaseMs: settings.requestTimeoutMs + DEFAULT_PORTAL_RATE_LIMIT.safetyMarginMs,
      ceiling: settings.rateLimit.maxRequests,
    },
    {
      logger,
      budget: createPortalBudget(db),
      share: errorBudget.factor,
      onAnswer: errorBudget.record,
      onBudget: metrics.recordBudget,
      onMaxLearned: (portalId, max) => {
        void db('hubspot_connections')
          .where({ portal_id: portalId })
          .update({ rate_limit_max: max })
          .catch((error: unknown) => logger.warn('could not store the learned rate limit', { portalId, message: (error as Error).message }));
      },
    },
  );
  const crm = createCrmApi({ apiBase: settings.apiBase, timeoutMs: settings.requestTimeoutMs, telemetry: metrics, portalOf: tokens.portalOf });
  const connectionState = createConnectionState(ctx);
  const callRunnerFor = createCallRunner(ctx, { limiters, tokens });
  const bootstrap = createBootstrapRunner(ctx, { crm, callRunnerFor, connectionState });
  const delivery = createContactDelivery({ crm, clock, sleep: ctx.sleep, random: ctx.random, logger, policy: settings.retryPolicy, maxInProcessWaitMs: settings.deliveryMaxWaitMs });
  const readBack = createReadBack(ctx, { crm, limiters, tokens });
  const drain = createDrain(ctx, { delivery, limiters, tokens, bootstrap, settle: createOutcomeSettler(ctx, { connectionState, metrics }), readBack });
  const dispatcher = createDispatcher(ctx, drain);
  const nudge = dispatcher.nudge;
  const queue = createEnqueue(ctx, { nudge });
  const exclusive = createExclusiveRunner(db);
  const backfill = createBackfill(ctx, { source: options.backfill?.source, mode: options.backfill?.mode ?? 'offered', enqueueMany: queue.enqueueMany, exclusive });
  const onConnected = (orgId: string, info: { firstConnect: boolean }) => {
    backfill.afterConnect(orgId, info.firstConnect).catch((error: unknown) => logger.warn('could not offer the backfill', { orgId, message: (error as Error).message }));
  };
  const connect = createConnectFlow(ctx, { oauth, cipher, tokens, bootstrap, nudge, onConnected });
  // Sync now: one org's due rows, in the background, whether or not the host pushes on enqueue.
  const syncing = new Set<Promise<unknown>>();
  const drainOrg = (orgId: string) => {
    const running: Promise<unknown> = drain({ orgId })
      .catch((error: unknown) => logger.warn('sync now: the drain failed', { orgId, message: (error as Error).message }))
      .finally(() => syncing.delete(running));
    syncing.add(running);
  };
  const admin = createConnectionAdmin(ctx, { oauth, cipher, tokens, bootstrap, connectionState, nudge, backfillStatus: backfill.status, errorBudget: errorBudget.read, drainOrg });
  const health = createConnectionHealth(ctx, { oauth, cipher, tokens, connectionState });
  const maintenance = createMaintenance(ctx, { health, resumeBackfills: backfill.resumeRunning, pruneErrorBudget: errorBudget.prune });
  const webhooks = createWebhookHandler({ db, clientSecret: options.hubspot.clientSecret, clock, logger });

  return {
    migrate: () => runMigrations(db),
    enqueue: queue.enqueue,
    connectUrl: connect.connectUrl,
    completeOAuth: connect.completeOAuth,
    status: admin.status,
    syncNow: admin.syncNow,
    startBackfill: backfill.start,
    cancelBackfill: backfill.cancel,
    runBackfill: backfill.run,
    resync: admin.resync,
    disconnect: admin.disconnect,
    failures: (orgId, page) => listFailures(db, orgId, page),
    async retryFailed(orgId, ids) {
      const retried = await retryFailedRows(db, orgId, ids, ctx.now());
      if (retried > 0) nudge();
      return { retried };
    },
    dismissFailures: async (orgId, ids) => ({ dismissed: await dismissFailures(db, orgId, ids, ctx.now()) }),
    drain,
    reclaimExpiredLeases: maintenance.reclaimExpiredLeases,
    maintain: maintenance.maintain,
    async syncLog(orgId, logOptions) {
      const entries = await listSyncLog(db, orgId, logOptions);
      return entries.map((entry) => ({
        inviteId: entry.inviteId,
        email: entry.email,
        outcome: entry.outcome,
        hubspotContactId: entry.hubspotContactId,
        errorCode: entry.errorCode,
        errorDetails: entry.errorDetails,
        correlationId: entry.correlationId,
        attempt: entry.attempt,
        at: entry.createdAt.toISOString(),
      }));
    },
    sweepPartials: queue.sweepPartials,
    connectedOrgIds: () => listConnectedOrgIds(db),
    runExclusive: (lockName, task) => exclusive.runExclusive(lockName, task),
    handleWebhook: (request) => webhooks.handle(request),
    reencryptTokens: (reencryptOptions) => reencryptTokens(ctx, cipher, reencryptOptions),
    metrics: () => metrics.snapshot(),
    async close() {
      shutdown.abort(new HubSpotKitError('SHUTTING_DOWN', 'integration closed'));
      await dispatcher.close();
      // Work started in the background (setups after a connect, Sync now) ends with the shutdown
      // signal; it is waited for, so nothing touches the host's database after close() returns.
      await connect.close();
      await Promise.allSettled([...syncing]);
      await backfill.close();
      await limiters.close();
      await errorBudget.close();
      crm.close();
      metrics.close();
    },
  };
}
