import type { ConnectionHealth } from '../connections/connection-health.js';
import type { IntegrationContext } from '../integration/integration-context.js';
import { pruneOAuthStates } from '../storage/oauth-states-repository.js';
import { reclaimExpiredLeases } from '../storage/outbox-repository.js';
import { pruneSyncLog } from '../storage/sync-log-repository.js';
import { pruneWebhookEvents } from '../storage/webhook-events-repository.js';

const DAY_MS = 24 * 3600_000;

/** The periodic job's housekeeping: leases of dead workers, idle connections, and what no one needs any more. */
export function createMaintenance(ctx: IntegrationContext, deps: { health: ConnectionHealth; resumeBackfills?: () => Promise<number>; pruneErrorBudget?: () => Promise<number> }) {
  async function maintain(): Promise<{ reclaimed: number; prunedSyncLog: number; connections: { checked: number; mustReconnect: number; unreadable: number }; backfillsResumed: number }> {
    const at = ctx.now();
    const reclaimed = await reclaimExpiredLeases(ctx.db, at);
    // Idle connections are checked here, so an uninstall shows within one cycle with no push.
    const connections = await deps.health.checkConnections();
    // A backfill whose process stopped (crash, restart) resumes from its persisted cursor.
    const backfillsResumed = (await deps.resumeBackfills?.()) ?? 0;
    const prunedSyncLog = await pruneSyncLog(ctx.db, new Date(at.getTime() - ctx.settings.syncLogRetentionDays * DAY_MS));
    // Spent OAuth states are kept a day (support can see a failed connect), webhook ids a week
    // (HubSpot retries a delivery for up to three days).
    await pruneOAuthStates(ctx.db, new Date(at.getTime() - DAY_MS));
    await pruneWebhookEvents(ctx.db, new Date(at.getTime() - 7 * DAY_MS));
    await deps.pruneErrorBudget?.();
    return { reclaimed, prunedSyncLog, connections, backfillsResumed };
  }

  return { maintain, reclaimExpiredLeases: () => reclaimExpiredLeases(ctx.db, ctx.now()) };
}
