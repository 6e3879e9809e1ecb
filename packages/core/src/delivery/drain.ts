import PQueue from 'p-queue';
import { setMaxListeners } from 'node:events';
import type { IntegrationContext } from '../integration/integration-context.js';
import type { DrainOptions, DrainResult } from '../integration/types.js';
import type { AssessmentInvite } from '../mapping/assessment-invite.js';
import { mapInviteToProperties } from '../mapping/map-invite.js';
import type { TokenKeeper } from '../oauth/token-keeper.js';
import { retryOnDatabaseConflict } from '../retry/database-conflict.js';
import { getConnection } from '../storage/connections-repository.js';
import { claimDueRows, listDueOrgIds, markFailed, releaseLease, renewLeases } from '../storage/outbox-repository.js';
import type { OutboxRow } from '../storage/rows.js';
import { appendSyncLog } from '../storage/sync-log-repository.js';
import type { BootstrapRunner } from './bootstrap-runner.js';
import { MAX_BATCH_SIZE, type ContactDelivery, type DeliveryItem, type PortalSession } from './contact-delivery.js';
import type { RateLimiterRegistry } from './portal-rate-limiter.js';
import type { ReadBack } from './read-back.js';
import type { OutcomeSettler } from './settle-outcomes.js';

/** Rows one worker claims per round for one org: ten full batches. */
const CLAIM_SIZE = 1_000;
/**
 * Backfilled rows are claimed five batches at a time when no live row is due: with two claims per
 * org that keeps enough batches queued at the limiter for backfill to use every slot (they are
 * paced there, so live batches overtake them), while the next claim, which takes live rows first,
 * comes round every few batches.
 */
const BACKFILL_CLAIM_SIZE = 500;
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

export const emptyDrain = (): DrainResult => ({ pushed: 0, created: 0, updated: 0, failed: 0, retried: 0, held: 0, batches: 0 });

export function addDrain(into: DrainResult, from: DrainResult): void {
  for (const key of Object.keys(into) as Array<keyof DrainResult>) into[key] += from[key];
}

export interface DrainDeps {
  delivery: ContactDelivery;
  limiters: RateLimiterRegistry;
  tokens: TokenKeeper;
  bootstrap: BootstrapRunner;
  settle: OutcomeSettler;
  readBack: ReadBack;
}

/**
 * One drain: claims due rows org by org (round-robin, two claims in flight per org), maps them,
 * hands them to delivery and settles what it reports. Returns when nothing due is left, or when a
 * round settled nothing (every due row was held), so it never spins.
 */
export function createDrain(ctx: IntegrationContext, deps: DrainDeps) {
  const { workerId, leaseMs, resultUrlBase, mergePolicy, contactNames } = ctx.settings;

  async function pushRows(orgId: string, rows: OutboxRow[], signal: AbortSignal): Promise<DrainResult> {
    const result = emptyDrain();
    const connection = await getConnection(ctx.db, orgId);
    if (!connection || connection.status !== 'connected') {
      await releaseLease(ctx.db, { ids: rows.map((row) => row.id), workerId });
      result.held += rows.length;
      return result;
    }
    const rowsById = new Map(rows.map((row) => [row.id, row]));
    const items: DeliveryItem[] = [];
    for (const row of rows) {
      try {
        const properties = mapInviteToProperties(row.payload as AssessmentInvite, { resultUrlBase, mergePolicy, carriedTests: row.carried, contactNames });
        items.push({ key: row.id, email: row.email, properties, attempts: row.attempts, failingSince: row.failingSince?.getTime() ?? null, backfill: row.priority === 1 });
      } catch (error) {
        // Stored before validation got stricter (or by hand): kept with its reason, never sent.
        const message = error instanceof Error ? error.message : String(error);
        const details = { ...((error as { details?: Record<string, unknown> }).details ?? {}), email: row.email, inviteId: row.inviteId };
        await markFailed(ctx.db, { id: row.id, version: row.version, workerId, attempts: row.attempts, error: { code: 'INVALID_INVITE', message, details }, now: ctx.now() });
        await appendSyncLog(ctx.db, [{ orgId, inviteId: row.inviteId, email: row.email, outcome: 'failed', errorCode: 'INVALID_INVITE', errorMessage: message, errorDetails: details, attempt: row.attempts, createdAt: ctx.now() }]);
        result.failed += 1;
      }
    }
    if (items.length === 0) return result;

    const session: PortalSession = {
      portalId: connection.portalId,
      limiter: deps.limiters.forPortal(connection.portalId, connection.rateLimitMax),
      accessToken: () => deps.tokens.accessToken(orgId),
      // Refreshes unless the stored token already changed since the refused one (another batch
      // or process refreshed meanwhile), and joins a refresh under way.
      refreshAfterUnauthorized: async (refusedToken) => deps.tokens.refresh(orgId, refusedToken ?? (await deps.tokens.accessToken(orgId).catch(() => null))),
      rebootstrap: () => deps.bootstrap.shared(connection),
      // A host transaction holding some of these rows can make this the deadlock victim: renew again.
      claimForSend: async (keys) => new Set(await retryOnDatabaseConflict(ctx, 'renewing leases before a send', () => renewLeases(ctx.db, { ids: keys, workerId, until: new Date(ctx.clock.now() + leaseMs) }))),
    };
    const outcomes = await deps.delivery.deliver(session, items, signal);
    await deps.settle(orgId, outcomes, rowsById, result);
    result.batches += Math.ceil(items.length / MAX_BATCH_SIZE);
    return result;
  }

  return async function drain(drainOptions: DrainOptions = {}): Promise<DrainResult> {
    const signal = drainOptions.signal ? AbortSignal.any([drainOptions.signal, ctx.shutdown]) : AbortSignal.any([ctx.shutdown]);
    setMaxListeners(0, signal);
    const total = emptyDrain();
    let budget = drainOptions.maxRows ?? Number.POSITIVE_INFINITY;
    const claims = new PQueue({ concurrency: CLAIM_CONCURRENCY });
    const active = new Map<string, number>();
    const failures: unknown[] = [];
    let progressed: boolean;
    // Contacts whose history has a timed-out send are checked first: a stale one is queued again now.
    if (!signal.aborted) await deps.readBack(signal);

    /** One claim of one org; returns whether that org probably has more due rows. */
    const drainOnce = async (orgId: string): Promise<boolean> => {
      if (signal.aborted || budget <= 0) return false;
      const live = await claimDueRows(ctx.db, { workerId, now: ctx.now(), leaseMs, limit: Math.min(CLAIM_SIZE, budget), orgId, priority: 0 });
      // Backfilled rows fill the live rows' last batch (a request carries 100 inputs whether one of
      // them is live or all are, and each counts the same against the portal's limit), or make a
      // claim of their own when no live row is due.
      const room = live.length === 0 ? BACKFILL_CLAIM_SIZE : (MAX_BATCH_SIZE - (live.length % MAX_BATCH_SIZE)) % MAX_BATCH_SIZE;
      const wanted = Math.min(room, budget - live.length);
      const backfill = wanted > 0 ? await claimDueRows(ctx.db, { workerId, now: ctx.now(), leaseMs, limit: wanted, orgId, priority: 1 }) : [];
      const rows = [...live, ...backfill];
      if (rows.length === 0) return false;
      budget -= rows.length;
      let result: DrainResult;
      try {
        result = await pushRows(orgId, rows, signal);
      } catch (error) {
        // Give the rows back now (if the database lets us) rather than after the lease lapses;
        // rows already settled are not ours any more, so the guarded release skips them.
        await releaseLease(ctx.db, { ids: rows.map((row) => row.id), workerId }).catch(() => undefined);
        throw error;
      }
      addDrain(total, result);
      drainOptions.onBatch?.({ ...total });
      if (result.pushed + result.failed + result.retried > 0) progressed = true;
      const full = live.length === CLAIM_SIZE || (wanted > 0 && backfill.length === wanted);
      return full && !(result.held > 0 && result.pushed === 0);
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
      const orgs = await listDueOrgIds(ctx.db, ctx.now(), drainOptions.orgId);
      if (orgs.length === 0 || signal.aborted || budget <= 0) break;
      progressed = false;
      for (const orgId of orgs) schedule(orgId);
      await claims.onIdle();
      if (failures.length > 0) throw failures[0];
      // Nothing settled (every due row was held): stop rather than spin; reconnect nudges again.
      if (!progressed) break;
    }
    return total;
  };
}

export type Drain = ReturnType<typeof createDrain>;
