import type { HubSpotIntegration } from '@jobcannon/hubspot-core';
import type { Emulator } from '@jobcannon/hubspot-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSweepJob, type SweepProgress } from './jobs.js';
import { connectOrg, createTestIntegration, generatedSource, startTestEmulator } from './test-support/harness.js';
import { createTestDatabase, type TestDatabase } from './test-support/test-database.js';

const INVITES = 50_000;
const PAGE_SIZE = 500;

describe('partial job at volume', () => {
  let database: TestDatabase;
  let emulator: Emulator;
  let integration: HubSpotIntegration;

  beforeAll(async () => {
    [database, emulator] = await Promise.all([createTestDatabase(), startTestEmulator()]);
    // pushOnEnqueue: false (the harness default) so the sweep only enqueues.
    integration = createTestIntegration(database.db, emulator);
    await connectOrg(integration, emulator, 'org-volume', 1001);
  });
  afterAll(async () => {
    await integration?.close();
    await Promise.all([database?.drop(), emulator?.close()]);
  });

  it(`streams ${INVITES.toLocaleString('en-US')} in-progress invites page by page and enqueues every one`, async () => {
    let latest: SweepProgress | null = null;
    // At the moment the sweep asks for page n, it must already have processed every invite of
    // pages 0..n-1: it holds one page at a time and never reads ahead or collects them.
    const unprocessedAtPull: number[] = [];
    const { source, pagesServed } = generatedSource(INVITES, PAGE_SIZE, {
      onPull: (_orgId, page) => {
        unprocessedAtPull.push(page * PAGE_SIZE - (latest?.seen ?? 0));
      },
    });
    const started = performance.now();
    const summary = await runSweepJob(integration, 'partial', {
      inProgressInvites: source,
      drain: false,
      onProgress: (progress) => {
        latest = progress;
      },
    });
    const seconds = (performance.now() - started) / 1000;

    expect(summary).toMatchObject({ job: 'partial', ran: true, orgs: 1, seen: INVITES, enqueued: INVITES, kept: 0, invalid: 0, pushed: 0 });
    expect((await integration.status('org-volume')).queue.pending).toBe(INVITES);
    expect(pagesServed.get('org-volume')).toBe(INVITES / PAGE_SIZE);
    expect(unprocessedAtPull).toHaveLength(INVITES / PAGE_SIZE);
    expect(Math.max(...unprocessedAtPull)).toBe(0);
    // The process's peak RSS is measured apart from vitest by bench/sweep-memory.bench.ts.
    console.info(`partial sweep: ${INVITES} invites enqueued in ${seconds.toFixed(1)} s (${Math.round(INVITES / seconds)} invites/s)`);
  }, 120_000);
});
