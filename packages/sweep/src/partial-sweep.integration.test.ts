import type { HubSpotIntegration } from '@jobcannon/hubspot-core';
import type { Emulator } from '@jobcannon/hubspot-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSweepJob } from './jobs.js';
import { startSweep } from './start-sweep.js';
import { completedInvite, connectOrg, createTestIntegration, generatedSource, partialInvite, startTestEmulator } from './test-support/harness.js';
import { createTestDatabase, type TestDatabase } from './test-support/test-database.js';

const HUB = 1001;
const noSchedule = { retry: false, partial: false } as const;

describe('partial job on PostgreSQL and the emulator', () => {
  let database: TestDatabase;
  let emulator: Emulator;
  let integration: HubSpotIntegration;

  beforeAll(async () => {
    [database, emulator] = await Promise.all([createTestDatabase(), startTestEmulator()]);
    integration = createTestIntegration(database.db, emulator);
  });
  afterAll(async () => {
    await integration?.close();
    await Promise.all([database?.drop(), emulator?.close()]);
  });

  it('never lets a partial snapshot overwrite a completed result, even when the two race', async () => {
    const orgId = 'org-race';
    await connectOrg(integration, emulator, orgId, HUB);
    const candidates = 300;
    // The host sees these candidates in progress when its 02:00 page query runs...
    const { source } = generatedSource(candidates, 50, { onlyOrg: orgId });
    const sweep = startSweep(integration, { schedules: noSchedule, inProgressInvites: source });
    // ...while, at the same moment, every one of them finishes and the host enqueues the result.
    const [summary] = await Promise.all([
      sweep.runNow('partial'),
      (async () => {
        for (let index = candidates - 1; index >= 0; index -= 1) {
          await integration.enqueue(completedInvite(orgId, index));
          if (index % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      })(),
    ]);
    await sweep.stop();
    // Some partials lost the race (refused, `kept`), others were enqueued first and then replaced.
    expect(summary).toMatchObject({ job: 'partial', ran: true, seen: candidates, invalid: 0, failed: 0 });
    expect(summary.enqueued! + summary.kept!).toBe(candidates);
    // Both orders really happened (the two loops cross in the middle; typically ~150 each way).
    expect(summary.kept).toBeGreaterThan(0);
    expect(summary.enqueued).toBeGreaterThan(0);

    // Push whatever is left, then read HubSpot's side.
    await runSweepJob(integration, 'retry');
    expect(await integration.status(orgId)).toMatchObject({ queue: { pending: 0, failed: 0, held: 0 } });
    const statuses = new Map<string, number>();
    for (let index = 0; index < candidates; index += 1) {
      const contact = emulator.contact(HUB, `candidate.${index}@example.com`);
      const status = contact?.properties.jc_test_status ?? 'missing';
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ completed: candidates });

    // And a later sweep that still lists them as in progress (a stale host read) changes nothing.
    const stale = await runSweepJob(integration, 'partial', { inProgressInvites: generatedSource(candidates, 100, { onlyOrg: orgId }).source });
    expect(stale).toMatchObject({ seen: candidates, enqueued: 0, kept: candidates, pushed: 0 });
    expect(emulator.contact(HUB, 'candidate.0@example.com')?.properties.jc_test_status).toBe('completed');
  });

  it('a run interrupted mid-sweep is redone safely by the next one, which completes the rest', async () => {
    const orgId = 'org-crash';
    await connectOrg(integration, emulator, orgId, HUB + 1);
    const total = 2_000;
    const stop = new AbortController();
    // The first run dies part-way: its signal aborts once 800 invites have been read.
    const first = await runSweepJob(integration, 'partial', {
      inProgressInvites: generatedSource(total, 100, { onlyOrg: orgId }).source,
      signal: stop.signal,
      onProgress: (progress) => {
        if (progress.phase === 'enqueue' && progress.seen >= 800) stop.abort();
      },
    });
    expect(first).toMatchObject({ ran: true, interrupted: true, pushed: 0 });
    expect(first.enqueued).toBeGreaterThanOrEqual(800);
    expect(first.enqueued).toBeLessThan(total);
    expect((await integration.status(orgId)).queue.pending).toBe(first.enqueued);

    // Meanwhile one of the swept candidates finished: the redo must not downgrade it.
    await integration.enqueue(completedInvite(orgId, 5));

    // The next run (here: another host instance, i.e. a fresh sweep) starts from the beginning.
    const next = startSweep(integration, { schedules: noSchedule, inProgressInvites: generatedSource(total, 100, { onlyOrg: orgId }).source });
    const second = await next.runNow('partial');
    await next.stop();
    expect(second).toMatchObject({ ran: true, seen: total, enqueued: total - 1, kept: 1, failed: 0, invalid: 0 });
    expect(second.interrupted).toBeUndefined();
    expect(second.pushed).toBe(total); // every candidate once, including the completed one
    expect(await integration.status(orgId)).toMatchObject({ queue: { pending: 0, failed: 0 } });

    const contacts = emulator.contacts(HUB + 1);
    expect(contacts).toHaveLength(total); // one contact per candidate: nothing duplicated by the redo
    expect(contacts.filter((contact) => contact.properties.jc_test_status === 'in_progress')).toHaveLength(total - 1);
    expect(emulator.contact(HUB + 1, 'candidate.5@example.com')?.properties.jc_test_status).toBe('completed');
  });

  it('re-enqueueing the same partial snapshot is idempotent: one row per candidate, nothing new in HubSpot', async () => {
    const orgId = 'org-idempotent';
    await connectOrg(integration, emulator, orgId, HUB + 2);
    const invite = partialInvite(orgId, 9_001);
    const once = await integration.enqueue(invite);
    const twice = await integration.enqueue(invite);
    expect(once).toMatchObject({ queued: true, snapshot: 'partial' });
    expect(twice).toMatchObject({ queued: true, snapshot: 'partial' });
    expect(twice.queued && once.queued && twice.rowId === once.rowId).toBe(true);
    expect((await integration.status(orgId)).queue.pending).toBe(1);
  });
});
