import type { Knex } from 'knex';
import { PROBLEMS_A_PUSH_DOES_NOT_CLEAR, type ConnectionProblem, type ConnectionState } from '../connections/connection-state.js';
import type { IntegrationContext } from '../integration/integration-context.js';
import type { DrainResult } from '../integration/types.js';
import type { KitMetrics } from '../metrics/kit-metrics.js';
import { retryOnDatabaseConflict } from '../retry/database-conflict.js';
import { getConnection, updateConnection } from '../storage/connections-repository.js';
import { deferRows, markFailed, markManyPushed, releaseLease, reschedule, scheduleReadBack } from '../storage/outbox-repository.js';
import type { OutboxRow } from '../storage/rows.js';
import { appendSyncLog } from '../storage/sync-log-repository.js';
import type { DeliveryError, DeliveryOutcome } from './contact-delivery.js';

type SyncLogWrite = Parameters<typeof appendSyncLog>[1][number];

/**
 * Writes what delivery decided about a claim: pushed rows done, transient ones rescheduled, refused
 * ones failed, held ones given back (at once, or after the connection's backoff), and the sync log,
 * all in one transaction, so a crash can leave neither a settled row without its log line nor the
 * reverse. Then the connection's current problem follows what happened.
 */
export function createOutcomeSettler(ctx: IntegrationContext, deps: { connectionState: ConnectionState; metrics?: Pick<KitMetrics, 'recordOutcomes'> }) {
  const { workerId } = ctx.settings;

  return async function settleOutcomes(orgId: string, outcomes: DeliveryOutcome[], rowsById: Map<string, OutboxRow>, result: DrainResult): Promise<void> {
    const at = ctx.now();
    const log: SyncLogWrite[] = [];
    const releasedNow: string[] = [];
    const deferred = new Map<number, { ids: string[]; error: DeliveryError }>();
    let heldProblem: DeliveryError | null = null;
    let lastFailure: DeliveryError | null = null;
    const pushed: Array<{ id: string; version: number; contactId: string | null }> = [];
    const writes: Array<(trx: Knex.Transaction) => Promise<unknown>> = [];
    const logFailure = (row: OutboxRow, outcome: 'failed' | 'retry', error: DeliveryError, attempt: number): SyncLogWrite => ({
      orgId,
      inviteId: row.inviteId,
      email: row.email,
      outcome,
      errorCode: error.code,
      errorMessage: error.message,
      errorDetails: error.details,
      correlationId: typeof error.details.correlationId === 'string' ? error.details.correlationId : null,
      attempt,
      createdAt: at,
    });

    const uncertain: string[] = [];
    for (const outcome of outcomes) {
      const row = rowsById.get(outcome.key)!;
      if (outcome.uncertain) uncertain.push(row.id);
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
          log.push(logFailure(row, 'retry', outcome.error, outcome.attempts));
          lastFailure = outcome.error;
          result.retried += 1;
          break;
        case 'failed':
          writes.push((trx) => markFailed(trx, { ...guard, attempts: outcome.attempts, error: outcome.error, now: at }));
          log.push(logFailure(row, 'failed', outcome.error, outcome.attempts));
          result.failed += 1;
          break;
        case 'held':
          // Held until someone acts (reconnect): back to the queue as it was; the claim skips
          // orgs that are not connected. Held for a while (token endpoint down): due again then.
          if (outcome.retryAt === null || outcome.retryAt <= at.getTime()) releasedNow.push(row.id);
          else {
            const group = deferred.get(outcome.retryAt) ?? { ids: [], error: outcome.error };
            group.ids.push(row.id);
            deferred.set(outcome.retryAt, group);
          }
          if (outcome.error.code !== 'SHUTTING_DOWN' && outcome.error.code !== 'LEASE_LOST') heldProblem = outcome.error;
          result.held += 1;
          break;
        case 'superseded':
          // One outbox row per org and email means this cannot happen; release it to be safe.
          releasedNow.push(row.id);
          break;
      }
    }

    // One transaction: a deadlock against a host's transaction rolls all of it back, so it runs again whole.
    await retryOnDatabaseConflict(ctx, 'settling a claim', () => ctx.db.transaction(async (trx) => {
      for (const write of writes) await write(trx);
      if (pushed.length > 0) await markManyPushed(trx, { workerId, now: at, rows: pushed });
      if (releasedNow.length > 0) await releaseLease(trx, { ids: releasedNow, workerId });
      for (const [retryAt, group] of deferred) await deferRows(trx, { ids: group.ids, workerId, nextAttemptAt: new Date(retryAt), error: group.error, now: at });
      if (log.length > 0) await appendSyncLog(trx, log);
      // A request that timed out may still be applied by HubSpot after a newer one: read these
      // contacts back once that can no longer happen (see read-back.ts).
      if (uncertain.length > 0) await scheduleReadBack(trx, uncertain, new Date(at.getTime() + ctx.settings.readBackAfterMs));
    }));
    // Counted once committed: a rolled-back settle is claimed and delivered again.
    deps.metrics?.recordOutcomes(outcomes);

    const problem = (error: DeliveryError): ConnectionProblem => ({ code: error.code, message: error.message, details: error.details });
    if (result.pushed > 0) {
      const connection = await getConnection(ctx.db, orgId);
      const clearable = connection?.lastErrorCode != null && !PROBLEMS_A_PUSH_DOES_NOT_CLEAR.includes(connection.lastErrorCode);
      await updateConnection(ctx.db, orgId, clearable ? { lastSyncAt: at, lastErrorCode: null, lastErrorMessage: null, lastErrorDetails: null, lastErrorAt: null } : { lastSyncAt: at }, at);
    } else if (heldProblem !== null && (heldProblem as DeliveryError).code !== 'MUST_RECONNECT') {
      // MUST_RECONNECT is recorded by the token keeper when HubSpot refuses the refresh.
      await deps.connectionState.setProblem(orgId, problem(heldProblem));
    } else if (lastFailure !== null) {
      await deps.connectionState.setProblem(orgId, problem(lastFailure));
    }
  };
}

export type OutcomeSettler = ReturnType<typeof createOutcomeSettler>;
