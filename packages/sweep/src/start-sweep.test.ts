import { HubSpotKitError, silentLogger } from '@jobcannon/hubspot-core';
import cron from 'node-cron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunSummary } from './jobs.js';
import type { SweepScheduler } from './scheduler.js';
import { startSweep } from './start-sweep.js';
import { createStubIntegration, emptyDrain } from './test-support/stub-integration.js';

const noInvites = async function* () {};

describe('startSweep on node-cron (fake timers)', () => {
  const originalTz = process.env.TZ;

  beforeEach(() => {
    // A host far from UTC: a local-time schedule would fire at 17:00Z (Tokyo's 02:00), not 02:00Z.
    process.env.TZ = 'Asia/Tokyo';
    vi.useFakeTimers({ now: new Date('2026-05-01T23:57:30.000Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    process.env.TZ = originalTz;
    if (originalTz === undefined) delete process.env.TZ;
  });

  it('runs the retry job every 5 minutes and the partial job at 02:00 UTC, whatever the local zone', async () => {
    expect(new Date('2026-05-02T02:00:00Z').getHours()).toBe(11); // the zone really is not UTC
    const integration = createStubIntegration();
    const runs: RunSummary[] = [];
    const sweep = startSweep(integration, { inProgressInvites: noInvites, logger: silentLogger, onRun: (summary) => runs.push(summary) });

    await vi.advanceTimersByTimeAsync(26 * 3600_000 + 30 * 60_000); // to 2026-05-03T02:27:30Z
    await sweep.stop();

    const retries = runs.filter((run) => run.job === 'retry').map((run) => run.startedAt);
    expect(retries[0]).toBe('2026-05-02T00:00:00.000Z');
    expect(retries.at(-1)).toBe('2026-05-03T02:25:00.000Z');
    expect(retries).toHaveLength((26 * 60 + 25) / 5 + 1);
    retries.slice(1).forEach((startedAt, index) => expect(Date.parse(startedAt) - Date.parse(retries[index]!)).toBe(5 * 60_000));

    const partials = runs.filter((run) => run.job === 'partial').map((run) => run.startedAt);
    expect(partials).toEqual(['2026-05-02T02:00:00.000Z', '2026-05-03T02:00:00.000Z']);
    expect(runs.every((run) => run.ran)).toBe(true);
    expect(integration.calls.filter((call) => call === 'sweepPartials')).toHaveLength(2);
    expect(integration.calls.filter((call) => call === 'maintain')).toHaveLength(retries.length);
  });

  it('honours custom schedules, still in UTC, and fires nothing after stop()', async () => {
    const integration = createStubIntegration();
    const runs: RunSummary[] = [];
    const sweep = startSweep(integration, {
      schedules: { retry: '0 * * * *', partial: '30 4 * * 1' }, // hourly; Mondays 04:30 UTC
      inProgressInvites: noInvites,
      logger: silentLogger,
      onRun: (summary) => runs.push(summary),
    });
    expect(sweep.schedules).toEqual({ retry: '0 * * * *', partial: '30 4 * * 1' });
    await vi.advanceTimersByTimeAsync(4 * 24 * 3600_000); // Fri 23:57:30Z → Tue 23:57:30Z
    const partials = runs.filter((run) => run.job === 'partial').map((run) => run.startedAt);
    expect(partials).toEqual(['2026-05-04T04:30:00.000Z']);
    expect(runs.filter((run) => run.job === 'retry')).toHaveLength(96);

    await sweep.stop();
    const before = runs.length;
    await vi.advanceTimersByTimeAsync(2 * 24 * 3600_000);
    expect(runs).toHaveLength(before);
    expect(cron.getTasks().size).toBe(0); // destroyed, not just paused
  });

  it('does not schedule the partial job without a source', async () => {
    const integration = createStubIntegration();
    const warn = vi.fn();
    const runs: RunSummary[] = [];
    const sweep = startSweep(integration, { logger: { ...silentLogger, warn }, onRun: (summary) => runs.push(summary) });
    expect(sweep.schedules).toEqual({ retry: '*/5 * * * *' });
    expect(warn).toHaveBeenCalledWith('partial sweep not scheduled: no inProgressInvites given');
    await vi.advanceTimersByTimeAsync(3 * 3600_000);
    expect(runs.some((run) => run.job === 'partial')).toBe(false);
    await expect(sweep.runNow('partial')).rejects.toThrow(/partial job has nothing to read/);
    await sweep.stop();
  });
});

/** A scheduler the test fires by hand. */
function manualScheduler() {
  const jobs: Array<{ expression: string; timezone: string; name: string; fire: () => void; stopped: boolean }> = [];
  const scheduler: SweepScheduler = {
    schedule(expression, fire, options) {
      const entry = { expression, fire, ...options, stopped: false };
      jobs.push(entry);
      return {
        stop() {
          entry.stopped = true;
        },
      };
    },
  };
  return { scheduler, jobs, fire: (name: string) => jobs.find((job) => job.name === name)!.fire() };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('startSweep with an injected scheduler', () => {
  it('schedules both jobs in UTC under the job lock names', () => {
    const { scheduler, jobs } = manualScheduler();
    startSweep(createStubIntegration(), { scheduler, inProgressInvites: noInvites, logger: silentLogger });
    expect(jobs.map(({ expression, timezone, name }) => ({ expression, timezone, name }))).toEqual([
      { expression: '*/5 * * * *', timezone: 'UTC', name: 'jc-hubspot-sweep:retry' },
      { expression: '0 2 * * *', timezone: 'UTC', name: 'jc-hubspot-sweep:partial' },
    ]);
  });

  it('a fired job reports through onRun; a second one while the first holds the lock is skipped as not-leader', async () => {
    const gate = deferred();
    const integration = createStubIntegration({ drain: async () => (await gate.promise, emptyDrain({ pushed: 3 })) });
    const { scheduler, fire } = manualScheduler();
    const runs: RunSummary[] = [];
    const sweep = startSweep(integration, { scheduler, logger: silentLogger, onRun: (summary) => runs.push(summary) });
    fire('jc-hubspot-sweep:retry');
    await vi.waitFor(() => expect(integration.calls).toContain('drain'));
    const overlapping = await sweep.runNow('retry');
    expect(overlapping).toMatchObject({ job: 'retry', ran: false, skipped: 'not-leader', pushed: 0 });
    gate.resolve();
    await vi.waitFor(() => expect(runs).toHaveLength(2));
    expect(runs[1]).toMatchObject({ job: 'retry', ran: true, pushed: 3, failed: 0, held: 0, retried: 0, reclaimed: 0 });
    await sweep.stop();
  });

  it('stop() unschedules, waits for the running job to finish its batch, then refuses new runs', async () => {
    const gate = deferred();
    const integration = createStubIntegration({
      // Full steps, so only the stop request ends the drain.
      drain: async (_options, call) => (call === 1 ? (await gate.promise, emptyDrain({ pushed: 1_000 })) : emptyDrain({ pushed: 1_000 })),
    });
    const { scheduler, jobs, fire } = manualScheduler();
    const runs: RunSummary[] = [];
    const sweep = startSweep(integration, { scheduler, logger: silentLogger, onRun: (summary) => runs.push(summary) });
    fire('jc-hubspot-sweep:retry');
    await vi.waitFor(() => expect(integration.drainCalls).toHaveLength(1));

    let stopped = false;
    const stopping = sweep.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false); // still finishing the batch in hand
    expect(jobs.every((job) => job.stopped)).toBe(true);
    gate.resolve();
    await stopping;
    expect(integration.drainCalls).toHaveLength(1); // no further step after the stop request
    expect(runs[0]).toMatchObject({ job: 'retry', ran: true, pushed: 1_000, interrupted: true });
    await expect(sweep.runNow('retry')).resolves.toMatchObject({ ran: false, skipped: 'stopping' });
  });

  it('stop({ cancelInFlight }) aborts the signal handed to drain', async () => {
    const integration = createStubIntegration({
      drain: (options) =>
        new Promise((_resolve, reject) => {
          options.signal?.addEventListener('abort', () => reject(new Error('aborted while queued in the rate limiter')));
        }),
    });
    const { scheduler } = manualScheduler();
    const sweep = startSweep(integration, { scheduler, logger: silentLogger });
    const run = sweep.runNow('retry');
    await vi.waitFor(() => expect(integration.drainCalls).toHaveLength(1));
    await sweep.stop({ cancelInFlight: true });
    await expect(run).resolves.toMatchObject({ ran: true, interrupted: true });
  });

  it('a scheduled run that throws is logged and handed to onError, not left unhandled', async () => {
    const integration = createStubIntegration({ maintain: async () => Promise.reject(new Error('database went away')) });
    const { scheduler, fire } = manualScheduler();
    const error = vi.fn();
    const onError = vi.fn();
    const sweep = startSweep(integration, { scheduler, logger: { ...silentLogger, error }, onError });
    fire('jc-hubspot-sweep:retry');
    await vi.waitFor(() => expect(onError).toHaveBeenCalledOnce());
    expect(onError.mock.calls[0]![1]).toBe('retry');
    expect(error).toHaveBeenCalledWith('sweep job failed', { job: 'retry', message: 'database went away' });
    await expect(sweep.runNow('retry')).rejects.toThrow('database went away');
    await sweep.stop();
  });
});

describe('schedule validation', () => {
  const attempt = (schedules: Record<string, unknown>) => {
    const { scheduler, jobs } = manualScheduler();
    let error: unknown;
    try {
      startSweep(createStubIntegration(), { scheduler, inProgressInvites: noInvites, logger: silentLogger, schedules: schedules as never });
    } catch (caught) {
      error = caught;
    }
    return { error: error as HubSpotKitError, scheduled: jobs.length };
  };

  it.each([
    ['61 * * * *', 'retry', 'the minute field "61" is not valid'],
    ['0 25 * * *', 'partial', 'the hour field "25" is not valid'],
    ['*/5 * *', 'retry', 'expected 5 or 6 fields but got 3'],
    ['every 5 minutes', 'retry', 'expected 5 or 6 fields but got 3'],
    ['0 2 * * * * *', 'partial', 'expected 5 or 6 fields but got 7'],
    ['0 2 * * mon;', 'partial', 'pattern includes illegal characters'],
    ['', 'retry', 'it is empty'],
  ])('refuses %j for the %s schedule, saying why', (expression, job, reason) => {
    const { error, scheduled } = attempt({ [job]: expression });
    expect(error).toBeInstanceOf(HubSpotKitError);
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.message).toBe(
      `Invalid cron expression "${expression}" for the ${job} schedule: ${reason}. ` +
        `Use five fields (minute hour day-of-month month day-of-week), or six with seconds first; times are UTC. The default is "${job === 'retry' ? '*/5 * * * *' : '0 2 * * *'}".`,
    );
    expect(scheduled).toBe(0); // nothing half-started
  });

  it('refuses a schedule that is not a string', () => {
    const { error } = attempt({ retry: 300 });
    expect(error.message).toMatch(/^Invalid cron expression "300" for the retry schedule: expected a string, got number\./);
  });

  it('refuses an explicit partial schedule with no source to read', () => {
    expect(() => startSweep(createStubIntegration(), { scheduler: manualScheduler().scheduler, logger: silentLogger, schedules: { partial: '0 3 * * *' } })).toThrow(
      /a partial schedule \("0 3 \* \* \*"\) was given but no `inProgressInvites` to read/,
    );
  });

  it('accepts nicknames and six-field expressions, and `false` to leave a job out', () => {
    const { scheduler, jobs } = manualScheduler();
    const sweep = startSweep(createStubIntegration(), { scheduler, logger: silentLogger, inProgressInvites: noInvites, schedules: { retry: '0 */5 * * * *', partial: false } });
    expect(sweep.schedules).toEqual({ retry: '0 */5 * * * *' });
    expect(jobs).toHaveLength(1);
    expect(startSweep(createStubIntegration(), { scheduler, logger: silentLogger, inProgressInvites: noInvites, schedules: { partial: '@daily' } }).schedules.partial).toBe('@daily');
  });

  it('refuses something that is not an integration', () => {
    expect(() => startSweep({} as never)).toThrow(/startSweep needs the integration object/);
  });
});
