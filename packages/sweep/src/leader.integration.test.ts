import type { HubSpotIntegration } from '@jobcannon/hubspot-core';
import type { Emulator } from '@jobcannon/hubspot-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from './jobs.js';
import { startSweep } from './start-sweep.js';
import { completedInvite, connectOrg, createTestIntegration, generatedSource, startTestEmulator } from './test-support/harness.js';
import { createTestDatabase, type TestDatabase } from './test-support/test-database.js';

const noSchedule = { retry: false, partial: false } as const;

/**
 * Two host instances: two integrations, each on its own knex pool (so their lock sessions really
 * differ, as in two processes), sharing one database and one HubSpot.
 */
describe('two sweeps at once: one leader per job run', () => {
  let database: TestDatabase;
  let emulator: Emulator;
  let first: HubSpotIntegration;
  let second: HubSpotIntegration;

  beforeAll(async () => {
    [database, emulator] = await Promise.all([createTestDatabase(), startTestEmulator()]);
    first = createTestIntegration(database.db, emulator, { workerId: 'host-a' });
    second = createTestIntegration(database.openPool(), emulator, { workerId: 'host-b' });
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await Promise.all([database?.drop(), emulator?.close()]);
  });

  it('partial: one instance sweeps and pushes, the other reports not-leader; the work is done once', async () => {
    const orgId = 'org-partial';
    await connectOrg(first, emulator, orgId, 1001);
    const candidates = 250;
    const reads: string[] = [];
    // The leader's read of the host waits until the other instance has answered, so the two runs
    // really overlap (otherwise the second could simply start after the first finished).
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const fallback = setTimeout(openGate, 10_000);
    const sourceFor = (host: string) =>
      generatedSource(candidates, 100, {
        onlyOrg: orgId,
        onPull: async (pulledOrg, page) => {
          if (page === 0) reads.push(`${host}:${pulledOrg}`);
          await gate;
        },
      }).source;
    const sweepA = startSweep(first, { schedules: noSchedule, inProgressInvites: sourceFor('a') });
    const sweepB = startSweep(second, { schedules: noSchedule, inProgressInvites: sourceFor('b') });
    const settle = (run: Promise<RunSummary>) =>
      run.then((summary) => {
        if (!summary.ran) openGate();
        return summary;
      });
    const [a, b] = await Promise.all([settle(sweepA.runNow('partial')), settle(sweepB.runNow('partial'))]);
    clearTimeout(fallback);
    await Promise.all([sweepA.stop(), sweepB.stop()]);

    const ran = [a, b].filter((summary) => summary.ran);
    const skipped = [a, b].filter((summary) => !summary.ran);
    expect(ran).toHaveLength(1);
    expect(skipped).toEqual([expect.objectContaining({ job: 'partial', ran: false, skipped: 'not-leader', pushed: 0 })]);
    expect(ran[0]).toMatchObject({ seen: candidates, enqueued: candidates, pushed: candidates, failed: 0 });
    expect(reads).toHaveLength(1); // only the leader read the host's invites
    expect(emulator.contacts(1001)).toHaveLength(candidates);
    expect(emulator.counters().portals['1001']?.byRoute['contacts.batchUpsert']?.requests).toBe(3);
  });

  it('retry: one instance drains, the other reports not-leader; each row is pushed once', async () => {
    const orgId = 'org-retry';
    await connectOrg(second, emulator, orgId, 1002);
    for (let index = 0; index < 300; index += 1) await first.enqueue(completedInvite(orgId, index));
    // Slow HubSpot down so the leader is still pushing when the other instance asks for the lock.
    emulator.addFault({ hubId: 1002, route: 'contacts.batchUpsert', latencyMs: 300 });
    const sweepA = startSweep(first, { schedules: noSchedule });
    const sweepB = startSweep(second, { schedules: noSchedule });
    const [a, b] = await Promise.all([sweepA.runNow('retry'), sweepB.runNow('retry')]);
    await Promise.all([sweepA.stop(), sweepB.stop()]);
    emulator.clearFaults();

    expect([a, b].map((summary) => summary.skipped ?? 'ran').sort()).toEqual(['not-leader', 'ran']);
    expect([a, b].find((summary) => summary.ran)).toMatchObject({ job: 'retry', pushed: 300, failed: 0, retried: 0 });
    expect(emulator.counters().portals['1002']?.byRoute['contacts.batchUpsert']?.requests).toBe(3);
    expect(emulator.contacts(1002)).toHaveLength(300);
    expect(await first.status(orgId)).toMatchObject({ queue: { pending: 0, failed: 0, held: 0 } });
  });

  it('the lock is per job: a retry run and a partial run proceed side by side', async () => {
    emulator.addFault({ route: 'contacts.batchUpsert', latencyMs: 200 });
    for (let index = 1_000; index < 1_050; index += 1) await first.enqueue(completedInvite('org-retry', index));
    const sweepA = startSweep(first, { schedules: noSchedule, inProgressInvites: generatedSource(20, 10, { onlyOrg: 'org-partial' }).source });
    const sweepB = startSweep(second, { schedules: noSchedule });
    const [partial, retry] = await Promise.all([sweepA.runNow('partial'), sweepB.runNow('retry')]);
    await Promise.all([sweepA.stop(), sweepB.stop()]);
    emulator.clearFaults();
    expect(partial.ran && retry.ran).toBe(true);
    // Whichever drain claimed a row pushed it; together they pushed each row once.
    expect(partial.pushed + retry.pushed).toBe(70);
  });
});
