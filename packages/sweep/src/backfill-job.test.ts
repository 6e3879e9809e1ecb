import { describe, expect, it } from 'vitest';
import { countBackfill, estimate, runBackfillJob, type BackfillProgress } from './backfill-job.js';
import type { BackfillStatus } from './core-types.js';
import { DRAIN_STEP_ROWS } from './drain-steps.js';
import { createStubIntegration, emptyDrain } from './test-support/stub-integration.js';

const status = (overrides: Partial<BackfillStatus> = {}): BackfillStatus => ({
  state: 'running',
  total: 300,
  enqueued: 0,
  pushed: 0,
  failed: 0,
  pending: 0,
  ratePerSecond: null,
  etaAt: null,
  startedAt: '2026-05-02T00:00:00.000Z',
  finishedAt: null,
  ...overrides,
});
const zero = { pushed: 0, failed: 0, held: 0, retried: 0 };

describe('runBackfillJob', () => {
  it('starts, queues in the foreground, then drains only this org; progress per page, then per batch', async () => {
    const progress: BackfillProgress[] = [];
    let current = status({ state: 'done', enqueued: 300, pending: 300 });
    const integration = createStubIntegration({
      async runBackfill(_orgId, options) {
        options?.onProgress?.(status({ enqueued: 150, pending: 150 }));
        options?.onProgress?.(status({ enqueued: 300, pending: 300 }));
        return { ran: true, state: 'done', enqueued: 290, skipped: 10, invalid: 0 };
      },
      backfillStatus: () => current,
      drain: (options) => {
        options.onBatch?.(emptyDrain({ pushed: 100 }));
        current = status({ state: 'done', enqueued: 300, pushed: 300, pending: 0 });
        return emptyDrain({ pushed: 300 });
      },
    });
    const started: string[] = [];
    const summary = await runBackfillJob(integration, 'org-a', {
      start: async (orgId) => (started.push(orgId), status()),
      onProgress: (entry) => progress.push(entry),
      clock: { now: () => Date.UTC(2026, 4, 2) },
    });

    expect(started).toEqual(['org-a']);
    expect(integration.calls.filter((call) => call !== 'status:org-a')).toEqual(['runBackfill:org-a', 'drain']);
    expect(integration.drainCalls).toEqual([expect.objectContaining({ orgId: 'org-a', maxRows: DRAIN_STEP_ROWS })]);
    expect(progress.filter((entry) => entry.phase === 'enqueue').map((entry) => entry.status.enqueued)).toEqual([0, 150, 300]);
    expect(progress.at(-1)).toMatchObject({ phase: 'push', status: { pushed: 300, pending: 0 }, run: { pushed: 300 } });
    expect(summary).toMatchObject({ orgId: 'org-a', ran: true, state: 'done', total: 300, run: { enqueued: 290, kept: 10, invalid: 0, pushed: 300, failed: 0 } });
    expect(summary.interrupted).toBeUndefined();
  });

  it('interrupted while queueing (the backfill is still running): no push, interrupted, resumable', async () => {
    const integration = createStubIntegration({
      runBackfill: async () => ({ ran: true, state: 'running', enqueued: 100, skipped: 0, invalid: 0 }),
      backfillStatus: () => status({ enqueued: 100, pending: 100 }),
    });
    const summary = await runBackfillJob(integration, 'org-a', { start: async () => status() });
    expect(integration.calls).not.toContain('drain');
    expect(summary).toMatchObject({ ran: true, state: 'running', interrupted: true, run: { enqueued: 100, pushed: 0 } });
  });

  it('another process runs it: ran false, nothing drained', async () => {
    const integration = createStubIntegration({ runBackfill: async () => ({ ran: false, state: 'running', enqueued: 0, skipped: 0, invalid: 0 }) });
    const summary = await runBackfillJob(integration, 'org-a', { start: async () => status({ enqueued: 50 }) });
    expect(integration.calls).toEqual(['runBackfill:org-a']);
    expect(summary).toMatchObject({ ran: false, state: 'running', status: { enqueued: 50 } });
  });

  it('a cancelled or failed backfill still pushes what it queued; push: false leaves it to the retry job', async () => {
    const cancelled = createStubIntegration({
      runBackfill: async () => ({ ran: true, state: 'cancelled', enqueued: 50, skipped: 0, invalid: 0 }),
      backfillStatus: () => status({ state: 'cancelled', enqueued: 50, pending: 50 }),
      drain: () => emptyDrain({ pushed: 50 }),
    });
    await expect(runBackfillJob(cancelled, 'org-a', { start: async () => status() })).resolves.toMatchObject({ state: 'cancelled', run: { pushed: 50 } });
    expect(cancelled.calls).toContain('drain');

    const enqueueOnly = createStubIntegration({ backfillStatus: () => status({ state: 'done' }) });
    await runBackfillJob(enqueueOnly, 'org-a', { start: async () => status(), push: false });
    expect(enqueueOnly.calls).not.toContain('drain');
  });

  it('a signal during the push stops after the step in hand', async () => {
    const stop = new AbortController();
    const integration = createStubIntegration({
      backfillStatus: () => status({ state: 'done', pending: 5_000 }),
      drain: () => {
        stop.abort();
        return emptyDrain({ pushed: DRAIN_STEP_ROWS });
      },
    });
    const summary = await runBackfillJob(integration, 'org-a', { start: async () => status(), signal: stop.signal });
    expect(integration.drainCalls).toHaveLength(1);
    expect(summary).toMatchObject({ interrupted: true, run: { pushed: DRAIN_STEP_ROWS } });
  });
});

describe('estimate', () => {
  const now = Date.UTC(2026, 4, 2, 12);
  it('uses core’s rate and ETA when it has them', () => {
    expect(estimate(status({ ratePerSecond: 50, etaAt: '2026-05-02T12:01:00.000Z' }), zero, 1_000, now)).toEqual({ ratePerSecond: 50, etaAt: '2026-05-02T12:01:00.000Z' });
  });
  it('otherwise (a done backfill still pushing) estimates from this run’s pushes', () => {
    // 200 settled in 10 s = 20/s; 600 pending → 30 s.
    expect(estimate(status({ state: 'done', pending: 600 }), { ...zero, pushed: 190, failed: 10 }, 10_000, now)).toEqual({ ratePerSecond: 20, etaAt: '2026-05-02T12:00:30.000Z' });
    expect(estimate(status({ state: 'done', pending: 0 }), { ...zero, pushed: 200 }, 10_000, now)).toEqual({ ratePerSecond: 20, etaAt: null });
    expect(estimate(status({ state: 'done', pending: 600 }), zero, 10_000, now)).toEqual({ ratePerSecond: null, etaAt: null });
  });
});

describe('countBackfill', () => {
  it('asks the source for its count and nothing else', async () => {
    const source = {
      count: async (orgId: string) => (orgId === 'org-a' ? 4_213 : 0),
      pages: () => {
        throw new Error('a dry run reads no page');
      },
    };
    await expect(countBackfill(source, 'org-a')).resolves.toMatchObject({ orgId: 'org-a', ran: true, dryRun: true, total: 4_213, state: null });
  });
});
