import type { InProgressInviteSource } from '@jobcannon/hubspot-core';
import { describe, expect, it } from 'vitest';
import { DRAIN_STEP_ROWS, runSweepJob, type SweepProgress } from './jobs.js';
import { createStubIntegration, emptyDrain } from './test-support/stub-integration.js';

const noInvites: InProgressInviteSource = async function* () {};
const clockAt = (...times: number[]) => ({ now: () => times.shift() ?? 0 });

describe('runSweepJob', () => {
  it('retry: maintains under the job lock, then drains in steps until a step finds less than its budget', async () => {
    const steps = [emptyDrain({ pushed: 990, failed: 4, retried: 6 }), emptyDrain({ pushed: 995, held: 5 }), emptyDrain({ pushed: 12, failed: 1 })];
    const integration = createStubIntegration({ drain: (_options, call) => steps[call - 1]!, maintain: async () => ({ reclaimed: 7, prunedSyncLog: 3, connections: { checked: 4, mustReconnect: 1, unreadable: 0 } }) });
    const summary = await runSweepJob(integration, 'retry', { clock: clockAt(Date.UTC(2026, 4, 2, 0, 5), Date.UTC(2026, 4, 2, 0, 5, 1, 250)) });
    expect(integration.calls).toEqual(['lock:jc-hubspot-sweep:retry', 'maintain', 'drain', 'drain', 'drain']);
    expect(integration.drainCalls.map((call) => call.maxRows)).toEqual([DRAIN_STEP_ROWS, DRAIN_STEP_ROWS, DRAIN_STEP_ROWS]);
    expect(summary).toEqual({ job: 'retry', ran: true, pushed: 1_997, failed: 5, held: 5, retried: 6, reclaimed: 7,
      prunedSyncLog: 3,
      connections: { checked: 4, mustReconnect: 1, unreadable: 0 },
      durationMs: 1_250, startedAt: '2026-05-02T00:05:00.000Z' });
  });

  it('retry: stops when a step settles nothing (every due row held), rather than spinning', async () => {
    const integration = createStubIntegration({ drain: () => emptyDrain({ held: DRAIN_STEP_ROWS }) });
    const summary = await runSweepJob(integration, 'retry');
    expect(integration.drainCalls).toHaveLength(1);
    expect(summary).toMatchObject({ ran: true, held: DRAIN_STEP_ROWS, pushed: 0 });
  });

  it('skips as not-leader when another run holds the lock, doing nothing', async () => {
    const integration = createStubIntegration();
    integration.held.add('jc-hubspot-sweep:partial');
    const summary = await runSweepJob(integration, 'partial', { inProgressInvites: noInvites });
    expect(summary).toMatchObject({ job: 'partial', ran: false, skipped: 'not-leader', pushed: 0, failed: 0, held: 0, retried: 0 });
    expect(integration.calls).toEqual(['lock:jc-hubspot-sweep:partial']);
  });

  it('does not start when already asked to stop', async () => {
    const controller = new AbortController();
    controller.abort();
    const integration = createStubIntegration();
    await expect(runSweepJob(integration, 'retry', { signal: controller.signal })).resolves.toMatchObject({ ran: false, skipped: 'stopping' });
    expect(integration.calls).toEqual([]);
  });

  it('partial: needs a source, and says so', async () => {
    await expect(runSweepJob(createStubIntegration(), 'partial')).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringMatching(/^The partial job has nothing to read: pass `inProgressInvites`/) });
  });

  it('partial: sweeps, then drains; progress adds up across orgs', async () => {
    const progress: SweepProgress[] = [];
    const integration = createStubIntegration({
      async sweepPartials(_source, options) {
        options.onProgress?.({ orgId: 'a', seen: 100, enqueued: 99, skipped: 1 });
        options.onProgress?.({ orgId: 'a', seen: 150, enqueued: 148, skipped: 2 });
        options.onProgress?.({ orgId: 'b', seen: 40, enqueued: 40, skipped: 0 });
        return { orgs: 2, seen: 190, enqueued: 188, skipped: 2, invalid: 0 };
      },
      drain: () => emptyDrain({ pushed: 188 }),
    });
    const summary = await runSweepJob(integration, 'partial', { inProgressInvites: noInvites, onProgress: (entry) => progress.push(entry) });
    expect(integration.calls).toEqual(['lock:jc-hubspot-sweep:partial', 'sweepPartials', 'drain']);
    expect(progress.filter((entry) => entry.phase === 'enqueue').map(({ seen, enqueued }) => [seen, enqueued])).toEqual([
      [100, 99],
      [150, 148],
      [190, 188],
    ]);
    expect(progress.at(-1)).toMatchObject({ phase: 'drain', pushed: 188, seen: 190 });
    expect(summary).toMatchObject({ job: 'partial', ran: true, seen: 190, enqueued: 188, kept: 2, invalid: 0, orgs: 2, pushed: 188 });
  });

  it('partial: an interrupted sweep skips the drain and says so; drain: false only enqueues', async () => {
    const controller = new AbortController();
    const integration = createStubIntegration({
      async sweepPartials() {
        controller.abort();
        return { orgs: 1, seen: 10, enqueued: 10, skipped: 0, invalid: 0 };
      },
    });
    await expect(runSweepJob(integration, 'partial', { inProgressInvites: noInvites, signal: controller.signal })).resolves.toMatchObject({ ran: true, enqueued: 10, interrupted: true });
    expect(integration.calls).not.toContain('drain');

    const onlyEnqueue = createStubIntegration();
    const summary = await runSweepJob(onlyEnqueue, 'partial', { inProgressInvites: noInvites, drain: false });
    expect(onlyEnqueue.calls).toEqual(['lock:jc-hubspot-sweep:partial', 'sweepPartials']);
    expect(summary.interrupted).toBeUndefined();
  });

  it('cancel: a drain that rejects because it was cancelled ends the run as interrupted', async () => {
    const cancel = new AbortController();
    const integration = createStubIntegration({
      drain: async () => {
        cancel.abort();
        throw new DOMException('This operation was aborted', 'AbortError');
      },
    });
    await expect(runSweepJob(integration, 'retry', { cancelSignal: cancel.signal })).resolves.toMatchObject({ ran: true, interrupted: true });
    // Without a cancel, the same rejection is a real failure.
    const failing = createStubIntegration({ drain: async () => Promise.reject(new Error('connection terminated')) });
    await expect(runSweepJob(failing, 'retry')).rejects.toThrow('connection terminated');
  });

  it('dry runs take no lock and change nothing', async () => {
    const integration = createStubIntegration({ connectedOrgIds: ['a', 'b'], pendingByOrg: { a: 120, b: 3 } });
    await expect(runSweepJob(integration, 'retry', { dryRun: true })).resolves.toMatchObject({ job: 'retry', ran: true, dryRun: true, due: 123, orgs: 2, pushed: 0 });
    expect(integration.calls).toEqual(['connectedOrgIds', 'status:a', 'status:b']);

    const partial = createStubIntegration({ sweepPartials: async () => ({ orgs: 2, seen: 50, enqueued: 49, skipped: 0, invalid: 1 }) });
    await expect(runSweepJob(partial, 'partial', { dryRun: true, inProgressInvites: noInvites })).resolves.toMatchObject({ ran: true, dryRun: true, seen: 50, enqueued: 49, invalid: 1 });
    expect(partial.calls).toEqual(['sweepPartials:dry']);
  });

  it('refuses an unknown job', async () => {
    await expect(runSweepJob(createStubIntegration(), 'nightly' as never)).rejects.toThrow('Unknown sweep job "nightly"; the jobs are retry and partial.');
  });
});
