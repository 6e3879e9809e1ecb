/**
 * The two jobs, run once: what `startSweep` fires on its schedules, what `runNow` and the CLI call.
 *
 * Each real run takes the job's lock (`integration.runExclusive`, a PostgreSQL advisory lock held by
 * one session), so across every host instance exactly one run of a job does the work at a time; the
 * others return `skipped: 'not-leader'` straight away. Dry runs only read, so they take no lock.
 */
import { HubSpotKitError, systemClock, type Clock, type HubSpotIntegration, type InProgressInviteSource } from '@jobcannon/hubspot-core';
import { drainInSteps as drainAll, zeroCounts, type DrainCounts } from './drain-steps.js';

export const SWEEP_JOBS = ['retry', 'partial'] as const;
export type SweepJob = (typeof SWEEP_JOBS)[number];

export function isSweepJob(value: unknown): value is SweepJob {
  return typeof value === 'string' && (SWEEP_JOBS as readonly string[]).includes(value);
}

/** The advisory-lock name of a job; the same in every process, which is what makes it exclusive. */
export function lockNameFor(job: SweepJob): string {
  return `jc-hubspot-sweep:${job}`;
}

export { DRAIN_STEP_ROWS } from './drain-steps.js';

/** What one run did. Counts are this run's own work (a concurrent background push is not in them). */
export interface RunSummary {
  job: SweepJob;
  /** False when the run did nothing (see `skipped`). */
  ran: boolean;
  /** `not-leader`: another run holds the job's lock (another instance, or this one's previous run still going). `stopping`: the sweep was stopping. */
  skipped?: 'not-leader' | 'stopping';
  /** Contacts upserted in HubSpot. */
  pushed: number;
  /** Rows given up on with a reason (permanent rejection or retries exhausted); admins see and can retry them. */
  failed: number;
  /** Rows left queued because their org must reconnect (or the push was cancelled). */
  held: number;
  /** Rows rescheduled by backoff for a later run. */
  retried: number;
  /** partial: invites enqueued as partial snapshots (dry run: invites that would be). */
  enqueued?: number;
  /** partial: invites read from the host's source. */
  seen?: number;
  /** partial: invites not enqueued because a completed (or newer) snapshot is already queued, which is kept. */
  kept?: number;
  /** partial: invites refused as invalid (another org's invite, or failed validation: kept as failed rows with the reason). */
  invalid?: number;
  /** partial: connected orgs swept. retry dry run: connected orgs counted. */
  orgs?: number;
  /** retry: rows whose lease had expired (a worker died mid-push) and were put back in the queue. */
  reclaimed?: number;
  /**
   * retry: idle connections `maintain()` checked, how many of them now must reconnect (the app was
   * uninstalled or the grant revoked), and how many hold tokens no configured key decrypts.
   */
  connections?: { checked: number; mustReconnect: number; unreadable: number };
  /** retry: sync log entries older than the retention pruned. */
  prunedSyncLog?: number;
  /** retry dry run: rows waiting to be pushed (an upper bound: includes rows whose backoff has not elapsed yet). */
  due?: number;
  dryRun?: true;
  /** The run stopped early when asked to; the next run picks up the rest. */
  interrupted?: true;
  durationMs: number;
  /** ISO 8601. */
  startedAt: string;
}

/** Live counts while a job runs (drives the CLI's progress bar). */
export interface SweepProgress {
  job: SweepJob;
  phase: 'enqueue' | 'drain';
  /** enqueue: invites read so far. */
  seen: number;
  /** enqueue: invites enqueued so far. */
  enqueued: number;
  pushed: number;
  failed: number;
  held: number;
  retried: number;
  /** drain: rows waiting when the drain started (upper bound), when known. */
  total: number | null;
}

export interface RunSweepJobOptions {
  /** The host's in-progress invites, org by org, page by page. Required for `partial`. */
  inProgressInvites?: InProgressInviteSource;
  /** Count, change nothing: partial reads the source (`sweepPartials({ dryRun: true })`); retry counts waiting rows. */
  dryRun?: boolean;
  /**
   * Graceful stop: the job finishes the batch in hand (the drain step, or the invite being
   * enqueued), starts no other, and returns `interrupted: true`.
   */
  signal?: AbortSignal;
  /** Hard stop: also cancels the HubSpot call in flight; core puts its rows back in the queue. */
  cancelSignal?: AbortSignal;
  /** partial only: push right after enqueueing (default true). False leaves the pushing to the retry job or to `pushOnEnqueue`. */
  drain?: boolean;
  clock?: Clock;
  onProgress?: (progress: SweepProgress) => void;
}

type JobResult = Omit<RunSummary, 'job' | 'ran' | 'skipped' | 'durationMs' | 'startedAt'>;

/** Runs one job once. Rejects on an unexpected error (e.g. the database went away); rows already settled stay settled. */
export async function runSweepJob(integration: HubSpotIntegration, job: SweepJob, options: RunSweepJobOptions = {}): Promise<RunSummary> {
  if (!isSweepJob(job)) throw new HubSpotKitError('INVALID_OPTIONS', `Unknown sweep job "${String(job)}"; the jobs are ${SWEEP_JOBS.join(' and ')}.`);
  const source = options.inProgressInvites;
  if (job === 'partial' && typeof source !== 'function') {
    throw new HubSpotKitError(
      'INVALID_OPTIONS',
      'The partial job has nothing to read: pass `inProgressInvites`, a function (orgId) => AsyncIterable of the org\'s in-progress invites (one at a time or in pages).',
    );
  }
  const clock = options.clock ?? systemClock;
  const startedMs = clock.now();
  const finish = (ran: boolean, fields: Partial<RunSummary>): RunSummary => ({
    job,
    ran,
    ...zeroCounts(),
    ...fields,
    durationMs: Math.max(0, clock.now() - startedMs),
    startedAt: new Date(startedMs).toISOString(),
  });
  if (options.signal?.aborted || options.cancelSignal?.aborted) return finish(false, { skipped: 'stopping' });

  const context: JobContext = { integration, job, options, emit: options.onProgress ?? (() => {}) };
  if (options.dryRun) {
    const result = job === 'retry' ? await dryRetry(context) : await dryPartial(context, source!);
    return finish(true, { ...result, dryRun: true });
  }
  const outcome = await integration.runExclusive(lockNameFor(job), (lockSignal) => {
    // Losing the lock (its database session died) means another instance may start this job: stop
    // after the current batch, as on SIGTERM, and leave the rest to whoever leads now.
    const signal = options.signal ? AbortSignal.any([options.signal, lockSignal]) : lockSignal;
    const leading: JobContext = { ...context, options: { ...options, signal } };
    return job === 'retry' ? retryJob(leading) : partialJob(leading, source!);
  });
  if (!outcome.ran) return finish(false, { skipped: 'not-leader' });
  return finish(true, outcome.lockLost ? { ...outcome.result, interrupted: true } : outcome.result);
}

interface JobContext {
  integration: HubSpotIntegration;
  job: SweepJob;
  options: RunSweepJobOptions;
  emit: (progress: SweepProgress) => void;
}

/**
 * Every 5 minutes: core's housekeeping (put back rows whose worker died, check idle connections,
 * prune old logs, and resume backfills whose process stopped: those run in the background of this
 * process and their rows are pushed by this drain or the next, after live ones), then push whatever
 * is due.
 */
async function retryJob(context: JobContext): Promise<JobResult> {
  const { reclaimed, prunedSyncLog, connections } = await context.integration.maintain();
  const total = context.options.onProgress ? (await countWaiting(context.integration)).due : null;
  const drained = await drainInSteps(context, { seen: 0, enqueued: 0 }, total);
  return {
    ...drained.counts,
    reclaimed,
    prunedSyncLog,
    connections: { checked: connections.checked, mustReconnect: connections.mustReconnect, unreadable: connections.unreadable },
    ...(drained.interrupted ? { interrupted: true as const } : {}),
  };
}

/** 02:00 UTC: enqueue a partial snapshot of every in-progress invite of every connected org, then push. */
async function partialJob(context: JobContext, source: InProgressInviteSource): Promise<JobResult> {
  const swept = await sweep(context, source, false);
  const result: JobResult = { ...zeroCounts(), seen: swept.seen, enqueued: swept.enqueued, kept: swept.skipped, invalid: swept.invalid, orgs: swept.orgs };
  if (swept.interrupted) return { ...result, interrupted: true };
  if (context.options.drain === false) return result;
  const drained = await drainInSteps(context, { seen: swept.seen, enqueued: swept.enqueued }, null);
  return { ...result, ...drained.counts, ...(drained.interrupted ? { interrupted: true as const } : {}) };
}

async function dryRetry(context: JobContext): Promise<JobResult> {
  const { due, orgs } = await countWaiting(context.integration);
  return { ...zeroCounts(), due, orgs };
}

async function dryPartial(context: JobContext, source: InProgressInviteSource): Promise<JobResult> {
  const swept = await sweep(context, source, true);
  return { ...zeroCounts(), seen: swept.seen, enqueued: swept.enqueued, invalid: swept.invalid, orgs: swept.orgs, ...(swept.interrupted ? { interrupted: true as const } : {}) };
}

/**
 * Rows waiting to be pushed, over every connected org. `status().queue.pending` counts every pending
 * row of a connected org, including rows whose backoff has not elapsed and rows another worker holds
 * right now: an upper bound of what a drain would push (core has no public "due now" count).
 */
export async function countWaiting(integration: HubSpotIntegration): Promise<{ due: number; orgs: number }> {
  const orgIds = await integration.connectedOrgIds();
  let due = 0;
  for (const orgId of orgIds) due += (await integration.status(orgId)).queue.pending;
  return { due, orgs: orgIds.length };
}

async function sweep(context: JobContext, source: InProgressInviteSource, dryRun: boolean) {
  const { options, emit, job } = context;
  // One signal for both stops: an enqueue is a single statement, so there is nothing to cancel mid-way.
  const signal = anySignal(options.signal, options.cancelSignal);
  // core reports progress per org (cumulative within the org); the bar wants totals over all orgs.
  const finishedOrgs = { seen: 0, enqueued: 0 };
  let current = { orgId: '', seen: 0, enqueued: 0 };
  const result = await context.integration.sweepPartials(source, {
    dryRun,
    ...(signal ? { signal } : {}),
    onProgress(progress) {
      if (progress.orgId !== current.orgId) {
        finishedOrgs.seen += current.seen;
        finishedOrgs.enqueued += current.enqueued;
      }
      current = progress;
      emit({ job, phase: 'enqueue', seen: finishedOrgs.seen + progress.seen, enqueued: finishedOrgs.enqueued + progress.enqueued, ...zeroCounts(), total: null });
    },
  });
  // Aborted after the last invite is still reported as interrupted: the next run re-checks cheaply.
  return { ...result, interrupted: signal?.aborted === true };
}

/** The jobs' drain over every org, reporting SweepProgress after each HubSpot batch. */
function drainInSteps(context: JobContext, before: { seen: number; enqueued: number }, total: number | null): Promise<{ counts: DrainCounts; interrupted: boolean }> {
  const { integration, options, emit, job } = context;
  return drainAll(integration, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.cancelSignal ? { cancelSignal: options.cancelSignal } : {}),
    onCounts: (counts) => emit({ job, phase: 'drain', ...before, ...counts, total }),
  });
}

function anySignal(...signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}
