/**
 * `jc-hubspot-sweep backfill --org ORG`: an org's past results sent to its portal in the foreground.
 *
 * Two phases. Enqueue: core's `runBackfill` streams the host's completed invites into the outbox
 * page by page from the persisted cursor (low priority: live results go first), under the org's
 * backfill lock. Push: the org's queue is drained in steps, as the retry job does, so the command
 * ends when the results are in HubSpot rather than when they are queued. A graceful stop ends the
 * enqueue after the page in flight (the backfill stays `running` and the next run resumes at its
 * cursor; so does core's `maintain()`) and the push after the step in hand.
 */
import { systemClock, type Clock, type HubSpotIntegration } from '@jobcannon/hubspot-core';
import type { BackfillRunResult, BackfillStatus, CompletedInviteSource } from './core-types.js';
import { drainInSteps, zeroCounts, type DrainCounts } from './drain-steps.js';

export interface BackfillProgress {
  orgId: string;
  phase: 'enqueue' | 'push';
  /** The org's backfill as core reports it (totals across resumed runs, the measured rate and ETA). */
  status: BackfillStatus;
  /** push: this run's drain so far. */
  run: DrainCounts;
  /**
   * Contacts per second and the estimated end: core's (`status.ratePerSecond` / `status.etaAt`)
   * when it gives them. core measures only a `running` backfill, and the backfill is `done` as soon
   * as everything is queued, so during the push phase they are estimated from this run's own
   * pushes instead (null until its first batch settles).
   */
  ratePerSecond: number | null;
  etaAt: string | null;
}

export interface BackfillSummary {
  orgId: string;
  /** False when another process runs this org's backfill (it runs once per org at a time). */
  ran: boolean;
  dryRun?: true;
  /** The backfill's state at the end: `running` when this run was interrupted (the next one resumes). */
  state: BackfillStatus['state'] | null;
  /** The org's backfill at the end (null in a dry run). */
  status: BackfillStatus | null;
  /** Completed invites the host counts (what a dry run reports). */
  total: number | null;
  /** This run's own work: invites read and queued, kept (an equal or newer snapshot was queued), refused as invalid; then its drain. */
  run: { enqueued: number; kept: number; invalid: number } & DrainCounts;
  /** Stopped on request (or lost its lock): run again to resume from the cursor. */
  interrupted?: true;
  durationMs: number;
  startedAt: string;
}

export interface RunBackfillJobOptions {
  /**
   * Makes the org's backfill `running` (counting the host's source) without running it: the run is
   * this job's, in the foreground: `integration.startBackfill(orgId, { inBackground: false })`.
   */
  start: (orgId: string) => Promise<BackfillStatus>;
  /** Graceful stop: after the page (or drain step) in hand. */
  signal?: AbortSignal;
  /** Hard stop: also cancels the HubSpot call in flight (its rows return to the queue). */
  cancelSignal?: AbortSignal;
  /** false: only enqueue, leave the pushing to the retry job. Default true. */
  push?: boolean;
  onProgress?: (progress: BackfillProgress) => void;
  clock?: Clock;
}

export async function runBackfillJob(integration: HubSpotIntegration, orgId: string, options: RunBackfillJobOptions): Promise<BackfillSummary> {
  const clock = options.clock ?? systemClock;
  const startedMs = clock.now();
  const emit = options.onProgress ?? (() => {});
  const finish = (fields: Omit<BackfillSummary, 'orgId' | 'durationMs' | 'startedAt'>): BackfillSummary => ({
    orgId,
    ...fields,
    durationMs: Math.max(0, clock.now() - startedMs),
    startedAt: new Date(startedMs).toISOString(),
  });
  const stop = anySignal(options.signal, options.cancelSignal);

  const enqueueProgress = (status: BackfillStatus): BackfillProgress => ({ orgId, phase: 'enqueue', status, run: zeroCounts(), ratePerSecond: status.ratePerSecond, etaAt: status.etaAt });

  const started = await options.start(orgId);
  emit(enqueueProgress(started));
  const result: BackfillRunResult = await integration.runBackfill(orgId, {
    ...(stop ? { signal: stop } : {}),
    onProgress: (status) => emit(enqueueProgress(status)),
  });
  const read = { enqueued: result.enqueued, kept: result.skipped, invalid: result.invalid };
  if (!result.ran) return finish({ ran: false, state: started.state, status: started, total: started.total, run: { ...read, ...zeroCounts() } });

  // `running` after a run that returned: it stopped on the signal (or its lock was lost) part-way.
  let interrupted = result.state === 'running';
  let counts = zeroCounts();
  let status = (await backfillStatus(integration, orgId)) ?? started;
  // A failed or cancelled backfill still pushes what it queued; an interrupted one leaves it to the next run.
  if (!interrupted && options.push !== false) {
    const pushStartedMs = clock.now();
    const refresher = createStatusRefresher(integration, orgId, (fresh, run) => emit({ orgId, phase: 'push', status: fresh, run, ...estimate(fresh, run, clock.now() - pushStartedMs, clock.now()) }));
    const drained = await drainInSteps(integration, {
      orgId,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.cancelSignal ? { cancelSignal: options.cancelSignal } : {}),
      onCounts: (run) => refresher.refresh(run),
    });
    await refresher.settled();
    counts = drained.counts;
    interrupted = drained.interrupted;
    status = (await backfillStatus(integration, orgId)) ?? status;
  }
  return finish({ ran: true, state: status.state, status, total: status.total, run: { ...read, ...counts }, ...(interrupted ? { interrupted: true as const } : {}) });
}

/** core's rate and ETA, or (when it has none) this run's: settled rows per second over the push so far, applied to what is pending. */
export function estimate(status: BackfillStatus, run: DrainCounts, elapsedMs: number, nowMs: number): { ratePerSecond: number | null; etaAt: string | null } {
  if (status.etaAt !== null) return { ratePerSecond: status.ratePerSecond, etaAt: status.etaAt };
  const settled = run.pushed + run.failed;
  const ratePerSecond = status.ratePerSecond ?? (settled > 0 && elapsedMs > 0 ? settled / (elapsedMs / 1000) : null);
  if (ratePerSecond === null || ratePerSecond <= 0 || status.pending === 0) return { ratePerSecond, etaAt: null };
  return { ratePerSecond, etaAt: new Date(nowMs + (status.pending / ratePerSecond) * 1000).toISOString() };
}

/** `--dry-run`: the host's count and nothing else (no lock, no write). */
export async function countBackfill(source: CompletedInviteSource, orgId: string, clock: Clock = systemClock): Promise<BackfillSummary> {
  const startedMs = clock.now();
  const total = await source.count(orgId);
  return {
    orgId,
    ran: true,
    dryRun: true,
    state: null,
    status: null,
    total,
    run: { enqueued: 0, kept: 0, invalid: 0, ...zeroCounts() },
    durationMs: Math.max(0, clock.now() - startedMs),
    startedAt: new Date(startedMs).toISOString(),
  };
}

async function backfillStatus(integration: HubSpotIntegration, orgId: string): Promise<BackfillStatus | null> {
  return (await integration.status(orgId)).backfill;
}

/**
 * The push phase's progress: core reports the backfill's pushed/failed/ETA through `status()`, which
 * is several queries, so after each HubSpot batch at most one read is in flight and the latest
 * counts wait for it (a burst of batches costs two reads, not one each).
 */
function createStatusRefresher(integration: HubSpotIntegration, orgId: string, deliver: (status: BackfillStatus, run: DrainCounts) => void) {
  let inFlight: Promise<void> | null = null;
  let waiting: DrainCounts | null = null;
  const read = async (run: DrainCounts): Promise<void> => {
    const status = await backfillStatus(integration, orgId).catch(() => null);
    if (status) deliver(status, run);
    const next = waiting;
    waiting = null;
    if (next) await read(next);
  };
  return {
    refresh(run: DrainCounts) {
      if (inFlight) {
        waiting = run;
        return;
      }
      inFlight = read(run).finally(() => (inFlight = null));
    },
    async settled() {
      await inFlight;
    },
  };
}

function anySignal(...signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}
