import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HubSpotIntegration } from '@jobcannon/hubspot-core';
import type { Emulator } from '@jobcannon/hubspot-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CompletedInviteSource } from './core-types.js';
import { runCli, startCli } from './test-support/cli-process.js';
import { cliEnv, completedInvite, connectOrg, createTestIntegration, startTestEmulator, waitFor } from './test-support/harness.js';
import { createTestDatabase, type TestDatabase } from './test-support/test-database.js';

const PAGE = 50;

interface JsonLine {
  event: 'progress' | 'summary';
  [key: string]: unknown;
}

const jsonLines = (stdout: string): JsonLine[] =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JsonLine);

describe('jc-hubspot-sweep backfill', () => {
  let emulator: Emulator;
  let tempDir: string;
  let sourceModule: string;
  let onlyInProgress: string;
  let logSeq = 0;
  const opened: Array<{ integration: HubSpotIntegration; database: TestDatabase }> = [];

  async function setup(hubId: number, options: { connect?: boolean } = {}) {
    const database = await createTestDatabase();
    const integration = createTestIntegration(database.db, emulator);
    opened.push({ integration, database });
    const orgId = `org-backfill-cli-${hubId}`;
    if (options.connect !== false) await connectOrg(integration, emulator, orgId, hubId);
    logSeq += 1;
    const log = join(tempDir, `pages-${logSeq}.log`);
    await writeFile(log, '');
    return { database, integration, orgId, log, env: { ...cliEnv(database.url, emulator), BACKFILL_TEST_LOG: log } };
  }

  /** The cursors the host module served, in order ("<org> <start>" per page). */
  const served = async (log: string) => (await readFile(log, 'utf8')).split('\n').filter(Boolean);

  beforeAll(async () => {
    emulator = await startTestEmulator();
    tempDir = await mkdtemp(join(tmpdir(), 'jc-sweep-backfill-'));
    // What a host ships as --source: its keyset-paged query of completed invites, here generated.
    // BACKFILL_TEST_HOLD=1 holds every page after the first until the process receives SIGTERM, so
    // the test knows exactly which page is in flight when it stops the CLI.
    sourceModule = join(tempDir, 'completed-invites.mjs');
    await writeFile(
      sourceModule,
      `import { appendFileSync } from 'node:fs';
const stopped = process.env.BACKFILL_TEST_HOLD === '1' ? new Promise((resolve) => process.once('SIGTERM', resolve)) : null;
const invite = (orgId, index) => {
  const at = new Date(Date.UTC(2025, 0, 1) + index * 1000).toISOString();
  return { id: 'inv_' + index, orgId, email: 'past.' + index + '@example.com', status: 'completed', createdAt: at, updatedAt: at, completedAt: at,
    tests: [{ slug: 'disc', status: 'completed', completedAt: at, result: { dimensions: ['Dominance', 'Influence', 'Steadiness', 'Conscientiousness'].map((name, i) => ({ name, score: 40 + i })) } }] };
};
export const completedInvites = {
  async count() { return Number(process.env.BACKFILL_TEST_INVITES ?? 0); },
  async *pages(orgId, cursor) {
    const count = Number(process.env.BACKFILL_TEST_INVITES ?? 0);
    for (let start = cursor === null ? 0 : Number(cursor); start < count; start += ${PAGE}) {
      if (stopped && start > 0) await stopped;
      appendFileSync(process.env.BACKFILL_TEST_LOG, orgId + ' ' + start + '\\n');
      const page = [];
      for (let index = start; index < Math.min(count, start + ${PAGE}); index += 1) page.push(invite(orgId, index));
      yield { invites: page, nextCursor: start + ${PAGE} < count ? String(start + ${PAGE}) : null };
    }
  },
};
`,
    );
    onlyInProgress = join(tempDir, 'only-in-progress.mjs');
    await writeFile(onlyInProgress, 'export async function* inProgressInvites() {}\n');
  });
  afterEach(async () => {
    emulator.clearFaults();
    for (const { integration, database } of opened.splice(0)) {
      await integration.close();
      await database.drop();
    }
  });
  afterAll(async () => {
    await emulator?.close();
    await rm(tempDir, { recursive: true, force: true });
  });

  it('off a terminal: one JSON line per page and per push, then the summary; every past result lands in HubSpot', async () => {
    const { orgId, log, env } = await setup(1001);
    const result = await runCli(['backfill', '--org', orgId, '--source', sourceModule], { ...env, BACKFILL_TEST_INVITES: '230' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const lines = jsonLines(result.stdout);
    const progress = lines.filter((line) => line.event === 'progress');
    const enqueue = progress.filter((line) => line.phase === 'enqueue');
    // The start (nothing queued yet), then one event per page of 50.
    expect(enqueue.map((line) => [line.state, line.total, line.enqueued])).toEqual([
      ['running', 230, 0],
      ['running', 230, 50],
      ['running', 230, 100],
      ['running', 230, 150],
      ['running', 230, 200],
      // The last page marks it done in the same step (a crash cannot restart it from the start).
      ['done', 230, 230],
    ]);
    const push = progress.filter((line) => line.phase === 'push');
    expect(push.length).toBeGreaterThan(0);
    expect(progress.indexOf(push[0]!)).toBe(enqueue.length); // the push follows the enqueue
    const pushed = push.map((line) => line.pushed as number);
    expect(pushed).toEqual([...pushed].sort((a, b) => a - b));
    expect(push.at(-1)).toMatchObject({ state: 'done', enqueued: 230, pushed: 230, failed: 0, pending: 0, run: { pushed: 230, failed: 0, held: 0, retried: 0 } });
    // The rate once contacts have reached HubSpot (the ETA is null at the end: nothing is pending).
    expect(push.at(-1)!.ratePerSecond).toBeGreaterThan(0);
    expect(push.at(-1)!.etaAt).toBeNull();

    expect(lines.at(-1)).toMatchObject({
      event: 'summary',
      org: orgId,
      ran: true,
      state: 'done',
      interrupted: false,
      total: 230,
      enqueued: 230,
      pushed: 230,
      failed: 0,
      pending: 0,
      run: { enqueued: 230, kept: 0, invalid: 0, pushed: 230, failed: 0, held: 0, retried: 0 },
    });
    expect(lines.filter((line) => line.event === 'summary')).toHaveLength(1);
    expect(await served(log)).toEqual([0, 50, 100, 150, 200].map((start) => `${orgId} ${start}`));
    expect(emulator.contacts(1001).filter((contact) => contact.email?.startsWith('past.'))).toHaveLength(230);
    expect(emulator.contact(1001, 'past.229@example.com')?.properties.jc_test_status).toBe('completed');
  });

  it('SIGTERM after the first page: stops after the page in flight, exits 0; the next run resumes at the cursor and finishes', async () => {
    const { orgId, log, env } = await setup(1002);
    const withInvites = { ...env, BACKFILL_TEST_INVITES: '250' };
    const first = startCli(['backfill', '--org', orgId, '--source', sourceModule], { ...withInvites, BACKFILL_TEST_HOLD: '1' });
    await waitFor(() => jsonLines(first.stdout()).some((line) => line.event === 'progress' && line.enqueued === PAGE), 'the first page to be queued');
    first.child.kill('SIGTERM');
    const stopped = await first.result;

    expect(stopped.signal).toBeNull();
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain('SIGTERM: finishing the page (or push step) in flight, then exiting');
    // The page the source was holding when the signal came is the one in flight: it is queued, no other.
    expect(await served(log)).toEqual([`${orgId} 0`, `${orgId} 50`]);
    const interrupted = jsonLines(stopped.stdout).at(-1);
    expect(interrupted).toMatchObject({ event: 'summary', ran: true, state: 'running', interrupted: true, total: 250, enqueued: 100, run: { enqueued: 100, pushed: 0 } });
    expect(emulator.contacts(1002).filter((contact) => contact.email?.startsWith('past.'))).toHaveLength(0);

    const second = await runCli(['backfill', '--org', orgId, '--source', sourceModule], withInvites);
    expect(second.code).toBe(0);
    // From the saved cursor: pages 0 and 50 are not read again.
    expect(await served(log)).toEqual([0, 50, 100, 150, 200].map((start) => `${orgId} ${start}`));
    expect(jsonLines(second.stdout).at(-1)).toMatchObject({
      event: 'summary',
      state: 'done',
      interrupted: false,
      total: 250,
      enqueued: 250,
      pushed: 250,
      pending: 0,
      // This run queued the last three pages and pushed everything, the first run's two pages too.
      run: { enqueued: 150, pushed: 250, failed: 0 },
    });
    expect(emulator.contacts(1002).filter((contact) => contact.email?.startsWith('past.'))).toHaveLength(250);
  });

  it('--dry-run prints the count and changes nothing', async () => {
    const { database, orgId, log, env } = await setup(1003);
    const result = await runCli(['backfill', '--org', orgId, '--source', sourceModule, '--dry-run'], { ...env, BACKFILL_TEST_INVITES: '4213' });
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([expect.objectContaining({ event: 'summary', org: orgId, ran: true, dryRun: true, state: null, total: 4213, enqueued: 0 })]);
    expect(await served(log)).toEqual([]);
    // Not even started: no backfill row, nothing queued.
    expect(await database.db('hubspot_backfills').where({ org_id: orgId })).toEqual([]);
    expect(await database.db('hubspot_outbox').where({ org_id: orgId })).toEqual([]);
  });

  it('exits 4 while another process runs the org’s backfill, and 2 without an org, a completedInvites export or a connection', async () => {
    const { database, orgId, env } = await setup(1004);
    // Another host process, mid-backfill: it holds the org's backfill while its source waits.
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: CompletedInviteSource = {
      count: async () => 100,
      async *pages(org, cursor) {
        for (let start = cursor === null ? 0 : Number(cursor); start < 100; start += PAGE) {
          if (start > 0) await gate;
          yield { invites: Array.from({ length: PAGE }, (_, index) => completedInvite(org, start + index)), nextCursor: String(start + PAGE) };
        }
      },
    };
    const other = createTestIntegration(database.db, emulator, { backfill: { source: slow } });
    opened.push({ integration: other, database });
    await other.startBackfill(orgId);
    await waitFor(async () => (await other.status(orgId)).backfill?.enqueued === PAGE, 'the other process to queue its first page');
    const busy = await runCli(['backfill', '--org', orgId, '--source', sourceModule], { ...env, BACKFILL_TEST_INVITES: '100' });
    release();
    expect(busy.code).toBe(4);
    expect(jsonLines(busy.stdout).at(-1)).toMatchObject({ event: 'summary', ran: false, state: 'running' });

    const noOrg = await runCli(['backfill', '--source', sourceModule], env);
    expect([noOrg.code, noOrg.stdout]).toEqual([2, '']);
    expect(noOrg.stderr).toContain('backfill needs the organization: jc-hubspot-sweep backfill --org <org>');

    const noExport = await runCli(['backfill', '--org', orgId, '--source', onlyInProgress], env);
    expect(noExport.code).toBe(2);
    expect(noExport.stderr).toContain('the module exports no `completedInvites`');

    const notConnected = await runCli(['backfill', '--org', 'org-never-connected', '--source', sourceModule], { ...env, BACKFILL_TEST_INVITES: '10' });
    expect(notConnected.code).toBe(2);
    expect(notConnected.stderr).toContain('the org has no HubSpot connection in this database');
  });
});
