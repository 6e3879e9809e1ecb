import { HubSpotKitError } from '../errors.js';
import type { IntegrationContext } from '../integration/integration-context.js';
import type { BackfillRunResult, BackfillStatus, CompletedInviteSource } from '../integration/types.js';
import { getConnection } from '../storage/connections-repository.js';
import type { ExclusiveRunner } from '../storage/database.js';
import {
  advanceBackfill,
  backfillProgress,
  finishBackfill,
  getBackfill,
  listRunningBackfills,
  offerBackfill,
  startBackfillRow,
  type BackfillRow,
} from '../storage/backfill-repository.js';
import type { AssessmentInvite } from '../mapping/assessment-invite.js';
import type { EnqueueManyResult } from './enqueue.js';

/** The rate in the status is measured over this window. */
const RATE_WINDOW_MS = 60_000;

export interface BackfillDeps {
  source: CompletedInviteSource | undefined;
  mode: 'automatic' | 'offered' | 'off';
  enqueueMany: (invites: AssessmentInvite[], options: { priority: 1 }) => Promise<EnqueueManyResult>;
  exclusive: ExclusiveRunner;
}

/**
 * Sends an org's past results to a newly connected portal. The host's source is streamed page by
 * page into the outbox with the batch enqueue (priority 1: live results go first), the cursor after
 * each page is persisted with the page's counts, so a crash or restart resumes at the page that was
 * in flight (its invites are enqueued again; the merge rules make that a no-op). One run per org at a
 * time across processes (an advisory lock); cancelling stops it after the page in flight.
 */
export function createBackfill(ctx: IntegrationContext, deps: BackfillDeps) {
  const running = new Map<string, Promise<BackfillRunResult>>();

  function requireSource(): CompletedInviteSource {
    if (!deps.source || deps.mode === 'off') {
      throw new HubSpotKitError('NOT_FOUND', 'This host offers no backfill of past results (no backfill.source configured)');
    }
    return deps.source;
  }

  async function toStatus(row: BackfillRow | null): Promise<BackfillStatus | null> {
    if (row === null) return null;
    const now = ctx.now();
    const progress = await backfillProgress(ctx.db, row.orgId, now, RATE_WINDOW_MS);
    // Measured while anything is still on its way (a backfill is `done` once everything is queued).
    const ratePerSecond = (row.status === 'running' || progress.pending > 0) && progress.recent > 0 ? progress.recent / (RATE_WINDOW_MS / 1000) : null;
    const remaining = row.total === null ? null : Math.max(0, row.total - progress.pushed - progress.failed - row.skipped - row.invalid);
    const etaAt = ratePerSecond !== null && remaining !== null ? new Date(now.getTime() + (remaining / ratePerSecond) * 1000).toISOString() : null;
    return {
      state: row.status,
      total: row.total,
      enqueued: row.enqueued,
      pushed: progress.pushed,
      failed: progress.failed,
      pending: progress.pending,
      ratePerSecond,
      etaAt,
      startedAt: row.startedAt?.toISOString() ?? null,
      finishedAt: row.finishedAt?.toISOString() ?? null,
    };
  }

  async function status(orgId: string): Promise<BackfillStatus | null> {
    if (!deps.source || deps.mode === 'off') return null;
    return toStatus(await getBackfill(ctx.db, orgId));
  }

  async function run(orgId: string, options: { signal?: AbortSignal; onProgress?: (status: BackfillStatus) => void } = {}): Promise<BackfillRunResult> {
    const source = requireSource();
    const totals = { enqueued: 0, skipped: 0, invalid: 0 };
    const outcome = await deps.exclusive.runExclusive(`hubspot-backfill:${orgId}`, async (lockSignal) => {
      const signal = AbortSignal.any([lockSignal, ctx.shutdown, ...(options.signal ? [options.signal] : [])]);
      let row = await getBackfill(ctx.db, orgId);
      if (row === null || row.status !== 'running') return row?.status ?? 'cancelled';
      try {
        for await (const page of source.pages(orgId, row.cursor)) {
          const own = page.invites.filter((invite) => invite.orgId === orgId);
          const stored = own.length > 0 ? await deps.enqueueMany(own, { priority: 1 }) : { enqueued: 0, skipped: 0, invalid: 0 };
          stored.invalid += page.invites.length - own.length;
          totals.enqueued += stored.enqueued;
          totals.skipped += stored.skipped;
          totals.invalid += stored.invalid;
          // False once an admin cancelled: the page just queued still goes out, nothing after it.
          const stillRunning = await advanceBackfill(ctx.db, orgId, { cursor: page.nextCursor, ...stored }, ctx.now());
          // The last page: done in the same breath, so a crash now cannot read a null cursor as
          // "from the start" and send everything again.
          if (stillRunning && page.nextCursor === null) await finishBackfill(ctx.db, orgId, 'done', ctx.now());
          row = await getBackfill(ctx.db, orgId);
          const current = await toStatus(row);
          if (current) options.onProgress?.(current);
          if (!stillRunning) return row?.status ?? 'cancelled';
          if (signal.aborted) return 'running';
        }
        await finishBackfill(ctx.db, orgId, 'done', ctx.now());
        return 'done';
      } catch (error) {
        if (signal.aborted) return 'running';
        // The host's source failed: stopped with the reason; Start again resumes from the cursor.
        const code = error instanceof HubSpotKitError ? error.code : 'INTERNAL';
        await finishBackfill(ctx.db, orgId, 'failed', ctx.now(), { code, details: { hubspotMessage: undefined, message: (error as Error).message.slice(0, 500) } });
        ctx.logger.error('backfill stopped: the host source failed', { orgId, message: (error as Error).message });
        return 'failed';
      }
    });
    if (!outcome.ran) return { ran: false, state: 'running', ...totals };
    return { ran: true, state: outcome.result as BackfillStatus['state'], ...totals };
  }

  /** Runs in this process in the background (one per org here; the lock keeps it one across processes). */
  function runInBackground(orgId: string): void {
    if (running.has(orgId) || ctx.shutdown.aborted) return;
    const task = run(orgId)
      .catch((error: unknown) => {
        ctx.logger.error('backfill run failed', { orgId, message: (error as Error).message });
        return { ran: false, state: 'failed', enqueued: 0, skipped: 0, invalid: 0 } as BackfillRunResult;
      })
      .finally(() => running.delete(orgId));
    running.set(orgId, task);
  }

  /** `inBackground: false`: only mark it running (a foreground caller, the CLI, runs it with `run`). */
  async function start(orgId: string, options: { inBackground?: boolean } = {}): Promise<BackfillStatus> {
    const source = requireSource();
    const connection = await getConnection(ctx.db, orgId);
    if (!connection || connection.status !== 'connected') throw new HubSpotKitError('NOT_CONNECTED', 'Connect HubSpot before sending past results', { details: { orgId } });
    const row = await startBackfillRow(ctx.db, orgId, await source.count(orgId), ctx.now());
    if (options.inBackground !== false) runInBackground(orgId);
    return (await toStatus(row))!;
  }

  async function cancel(orgId: string): Promise<BackfillStatus> {
    requireSource();
    await finishBackfill(ctx.db, orgId, 'cancelled', ctx.now());
    const row = await getBackfill(ctx.db, orgId);
    if (row === null) throw new HubSpotKitError('NOT_FOUND', 'This organization has no backfill', { details: { orgId } });
    return (await toStatus(row))!;
  }

  /**
   * After a connect: the first connect of an org (or a switch to another portal, which has none of
   * its results) offers the backfill, or starts it in automatic mode. A reconnect of the same portal
   * changes nothing: a backfill in progress resumes by itself.
   */
  async function afterConnect(orgId: string, firstConnect: boolean): Promise<void> {
    if (!deps.source || deps.mode === 'off' || !firstConnect) return;
    const existing = await getBackfill(ctx.db, orgId);
    if (existing?.status === 'running') return;
    if (deps.mode === 'automatic') await start(orgId);
    else await offerBackfill(ctx.db, orgId, await deps.source.count(orgId), ctx.now());
  }

  /** The periodic job: resumes backfills whose process stopped (crash, restart, lost lock). */
  async function resumeRunning(): Promise<number> {
    if (!deps.source || deps.mode === 'off') return 0;
    const orgs = await listRunningBackfills(ctx.db);
    for (const orgId of orgs) runInBackground(orgId);
    return orgs.length;
  }

  async function close(): Promise<void> {
    await Promise.allSettled([...running.values()]);
  }

  return { status, run, start, cancel, afterConnect, resumeRunning, close };
}

export type Backfill = ReturnType<typeof createBackfill>;
