import {
  HubSpotKitError,
  createConsoleLogger,
  systemClock,
  type Clock,
  type HubSpotIntegration,
  type InProgressInviteSource,
  type Logger,
} from '@jobcannon/hubspot-core';
import { runSweepJob, SWEEP_JOBS, type RunSummary, type SweepJob, type SweepProgress } from './jobs.js';
import { createCronScheduler, type ScheduledJobHandle, type SweepScheduler } from './scheduler.js';
import { DEFAULT_SCHEDULES, SWEEP_TIMEZONE, validateCronExpression } from './schedules.js';

export interface StartSweepOptions {
  /** Cron expressions, read in UTC. `false` leaves a job unscheduled (`runNow` still works). Defaults: DEFAULT_SCHEDULES. */
  schedules?: { retry?: string | false; partial?: string | false };
  /** The host's in-progress invites per org, streamed. Without it the partial job is not scheduled. */
  inProgressInvites?: InProgressInviteSource;
  /** Default: JSON lines on stderr, warnings and errors only. */
  logger?: Logger;
  /** Every run's summary, scheduled or `runNow`, including skipped ones. */
  onRun?: (summary: RunSummary) => void;
  /** A scheduled run that threw (it is logged too); `runNow` rejects instead. */
  onError?: (error: unknown, job: SweepJob) => void;
  onProgress?: (progress: SweepProgress) => void;
  /** Replaces node-cron (tests, or a host's own scheduler). */
  scheduler?: SweepScheduler;
  /** Time source for `startedAt` / `durationMs`. */
  clock?: Clock;
}

export interface Sweep {
  /** The expression each scheduled job runs on (UTC); a job that is not scheduled is absent. */
  readonly schedules: Readonly<Partial<Record<SweepJob, string>>>;
  /** Runs a job now (the same lock as a scheduled run, so it may report `skipped: 'not-leader'`). */
  runNow(job: SweepJob): Promise<RunSummary>;
  /**
   * Unschedules both jobs and waits for a running one to finish the batch in hand. With
   * `cancelInFlight` the HubSpot call in flight is cancelled too (its rows return to the queue).
   * Later `runNow` calls resolve with `skipped: 'stopping'`.
   */
  stop(options?: { cancelInFlight?: boolean }): Promise<void>;
}

/**
 * Schedules the retry job (maintain + drain, every 5 minutes) and the partial job (sweepPartials +
 * drain, 02:00 UTC) on `integration`. Several host instances may each call this: every run takes the
 * job's lock first, so one instance does each run and the others skip it.
 */
export function startSweep(integration: HubSpotIntegration, options: StartSweepOptions = {}): Sweep {
  if (typeof integration?.runExclusive !== 'function' || typeof integration.drain !== 'function') {
    throw new HubSpotKitError('INVALID_OPTIONS', 'startSweep needs the integration object from createHubSpotIntegration');
  }
  const logger = options.logger ?? createConsoleLogger('warn');
  const clock = options.clock ?? systemClock;
  const source = options.inProgressInvites;
  if (source !== undefined && typeof source !== 'function') {
    throw new HubSpotKitError('INVALID_OPTIONS', 'startSweep: `inProgressInvites` must be a function (orgId) => AsyncIterable of invites or pages of invites');
  }
  const schedules = resolveSchedules(options.schedules, source !== undefined, logger);
  const scheduler = options.scheduler ?? createCronScheduler(logger);

  const graceful = new AbortController();
  const cancel = new AbortController();
  const running = new Set<Promise<unknown>>();
  let stopping = false;

  const report = (summary: RunSummary) => {
    logger.info('sweep run', { ...summary });
    try {
      options.onRun?.(summary);
    } catch (error) {
      logger.error('onRun threw', { job: summary.job, message: (error as Error).message });
    }
  };

  async function run(job: SweepJob): Promise<RunSummary> {
    if (stopping) {
      const summary: RunSummary = { job, ran: false, skipped: 'stopping', pushed: 0, failed: 0, held: 0, retried: 0, durationMs: 0, startedAt: new Date(clock.now()).toISOString() };
      report(summary);
      return summary;
    }
    const pending = runSweepJob(integration, job, {
      ...(source ? { inProgressInvites: source } : {}),
      signal: graceful.signal,
      cancelSignal: cancel.signal,
      clock,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    running.add(pending);
    try {
      const summary = await pending;
      report(summary);
      return summary;
    } finally {
      running.delete(pending);
    }
  }

  const handles: ScheduledJobHandle[] = [];
  for (const job of SWEEP_JOBS) {
    const expression = schedules[job];
    if (expression === undefined) continue;
    handles.push(
      scheduler.schedule(
        expression,
        () => {
          run(job).catch((error: unknown) => {
            logger.error('sweep job failed', { job, message: error instanceof Error ? error.message : String(error) });
            try {
              options.onError?.(error, job);
            } catch {
              // A failing error hook must not become an unhandled rejection in the host.
            }
          });
        },
        { name: `jc-hubspot-sweep:${job}`, timezone: SWEEP_TIMEZONE },
      ),
    );
  }

  return {
    schedules: Object.freeze({ ...schedules }),
    runNow: (job) => run(job),
    async stop(stopOptions = {}) {
      if (!stopping) {
        stopping = true;
        await Promise.all(handles.map(async (handle) => handle.stop()));
        graceful.abort(new HubSpotKitError('INTERNAL', 'sweep stopping'));
      }
      if (stopOptions.cancelInFlight) cancel.abort(new HubSpotKitError('INTERNAL', 'sweep cancelled'));
      await Promise.allSettled([...running]);
    },
  };
}

function resolveSchedules(given: StartSweepOptions['schedules'], hasSource: boolean, logger: Logger): Partial<Record<SweepJob, string>> {
  if (given !== undefined && (given === null || typeof given !== 'object')) {
    throw new HubSpotKitError('INVALID_OPTIONS', 'startSweep: `schedules` must be an object like { retry: "*/5 * * * *", partial: "0 2 * * *" }');
  }
  const resolved: Partial<Record<SweepJob, string>> = {};
  for (const job of SWEEP_JOBS) {
    const value = given?.[job];
    if (value === false) continue;
    const expression = validateCronExpression(value ?? DEFAULT_SCHEDULES[job], job);
    if (job === 'partial' && !hasSource) {
      // An explicit partial schedule without a source is a configuration mistake; the default is not.
      if (value !== undefined) {
        throw new HubSpotKitError('INVALID_OPTIONS', `startSweep: a partial schedule ("${expression}") was given but no \`inProgressInvites\` to read`);
      }
      logger.warn('partial sweep not scheduled: no inProgressInvites given');
      continue;
    }
    resolved[job] = expression;
  }
  return resolved;
}
