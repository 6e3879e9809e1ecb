import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HubSpotIntegration } from '@jobcannon/hubspot-core';
import type { Emulator } from '@jobcannon/hubspot-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runSweepJob } from './jobs.js';
import { runCli, startCli } from './test-support/cli-process.js';
import { cliEnv, completedInvite, connectOrg, createTestIntegration, startTestEmulator, waitFor } from './test-support/harness.js';
import { createTestDatabase, type Database, type TestDatabase } from './test-support/test-database.js';

const SUMMARY_TIME = String.raw`in \d+\.\ds`;

async function leasedRows(db: Database): Promise<number> {
  const [row] = (await db('hubspot_outbox').whereNotNull('lease_owner').count({ count: '*' })) as Array<{ count: string | number }>;
  return Number(row?.count ?? 0);
}

describe('jc-hubspot-sweep CLI', () => {
  let emulator: Emulator;
  let tempDir: string;
  let sourceModule: string;
  const opened: Array<{ integration: HubSpotIntegration; database: TestDatabase }> = [];

  /** Each test gets its own database (the retry job drains every connected org of a database). */
  async function setup(hubId: number) {
    const database = await createTestDatabase();
    const integration = createTestIntegration(database.db, emulator);
    opened.push({ integration, database });
    const orgId = `org-cli-${hubId}`;
    await connectOrg(integration, emulator, orgId, hubId);
    return { database, integration, orgId, env: cliEnv(database.url, emulator) };
  }

  beforeAll(async () => {
    emulator = await startTestEmulator();
    tempDir = await mkdtemp(join(tmpdir(), 'jc-sweep-cli-'));
    // What a host ships as --source: its paged query, here a generator of SWEEP_TEST_INVITES invites.
    sourceModule = join(tempDir, 'in-progress-invites.mjs');
    await writeFile(
      sourceModule,
      `export async function* inProgressInvites(orgId) {
  const count = Number(process.env.SWEEP_TEST_INVITES ?? 0);
  const at = '2026-05-17T09:00:00.000Z';
  for (let start = 0; start < count; start += 100) {
    const page = [];
    for (let index = start; index < Math.min(count, start + 100); index += 1) {
      page.push({ id: 'inv_' + index, orgId, email: 'candidate.' + index + '@example.com', status: 'in_progress', createdAt: at, updatedAt: at,
        tests: [{ slug: 'disc', status: 'completed', completedAt: at, result: { dimensions: ['Dominance', 'Influence', 'Steadiness', 'Conscientiousness'].map((name, i) => ({ name, score: 40 + i })) } }, { slug: 'iq', status: 'in_progress' }] });
    }
    yield page;
  }
}
`,
    );
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

  it('--once retry pushes what is due, prints one summary line and exits 0', async () => {
    const { integration, orgId, env } = await setup(1001);
    for (let index = 0; index < 150; index += 1) await integration.enqueue(completedInvite(orgId, index));
    const result = await runCli(['--once', 'retry'], env);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^retry: pushed=150 failed=0 held=0 retried=0 ${SUMMARY_TIME}\n$`));
    expect(result.code).toBe(0);
    expect(emulator.contacts(1001).filter((contact) => contact.email?.endsWith('@example.com'))).toHaveLength(150);
    expect(await integration.status(orgId)).toMatchObject({ queue: { pending: 0 } });
  });

  it('--dry-run counts without changing anything, for retry and for partial', async () => {
    const { integration, orgId, env } = await setup(1002);
    for (let index = 0; index < 40; index += 1) await integration.enqueue(completedInvite(orgId, index));
    const retry = await runCli(['--dry-run'], env);
    expect(retry.stdout).toMatch(new RegExp(`^retry \\(dry run\\): due=40 orgs=1 ${SUMMARY_TIME}\n$`));
    expect(retry.code).toBe(0);

    const partial = await runCli(['--dry-run', 'partial', '--source', sourceModule], { ...env, SWEEP_TEST_INVITES: '230' });
    expect(partial.stdout).toMatch(new RegExp(`^partial \\(dry run\\): seen=230 would-enqueue=230 invalid=0 orgs=1 ${SUMMARY_TIME}\n$`));
    expect(partial.code).toBe(0);
    expect(await integration.status(orgId)).toMatchObject({ queue: { pending: 40 } }); // neither pushed nor enqueued
    expect(emulator.counters().portals['1002']?.byRoute['contacts.batchUpsert']).toBeUndefined();
  });

  it('--once partial reads the --source module, enqueues and pushes; without --source it exits 2', async () => {
    const { integration, orgId, env } = await setup(1003);
    const result = await runCli(['--once', 'partial', '--source', sourceModule], { ...env, SWEEP_TEST_INVITES: '120' });
    expect(result.stdout).toMatch(new RegExp(`^partial: seen=120 enqueued=120 kept=0 invalid=0 pushed=120 failed=0 held=0 retried=0 ${SUMMARY_TIME}\n$`));
    expect(result.code).toBe(0);
    expect(emulator.contact(1003, 'candidate.7@example.com')?.properties.jc_test_status).toBe('in_progress');
    expect(await integration.status(orgId)).toMatchObject({ queue: { pending: 0 } });

    const missing = await runCli(['--once', 'partial'], env);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('the partial job has nothing to read: pass --source ./path/to/module.js');
  });

  it('exits 1 when an invite fails permanently', async () => {
    const { integration, orgId, env } = await setup(1004);
    await integration.enqueue(completedInvite(orgId, 1));
    // A top-level domain that does not exist: HubSpot answers INVALID_EMAIL, which no retry fixes.
    await integration.enqueue(completedInvite(orgId, 2, { email: 'candidate.2@example.notatld' }));
    const result = await runCli(['--once'], env);
    expect(result.stdout).toMatch(new RegExp(`^retry: pushed=1 failed=1 held=0 retried=0 ${SUMMARY_TIME}\n$`));
    expect(result.code).toBe(1);
    expect((await integration.failures(orgId)).items).toEqual([expect.objectContaining({ email: 'candidate.2@example.notatld' })]);
  });

  it('exits 4 when another instance is the leader', async () => {
    const { integration, env } = await setup(1005);
    // This test process plays the other instance: it holds the retry lock while the CLI runs.
    const held = await integration.runExclusive('jc-hubspot-sweep:retry', () => runCli(['--once', 'retry'], env));
    expect(held.ran).toBe(true);
    const result = held.ran ? held.result : null;
    expect(result?.stdout).toMatch(new RegExp(`^retry: skipped \\(not the leader: another run holds jc-hubspot-sweep:retry\\) ${SUMMARY_TIME}\n$`));
    expect(result?.code).toBe(4);
  });

  it('exits 3 when the database cannot be reached, and 2 on bad configuration', async () => {
    const env = cliEnv('postgres://postgres@127.0.0.1:5432/jc_sweep_does_not_exist', emulator);
    const missingDatabase = await runCli(['--once'], env);
    expect(missingDatabase.code).toBe(3);
    expect(missingDatabase.stderr).toContain('could not reach the database at postgres://postgres@127.0.0.1:5432/jc_sweep_does_not_exist');

    const refused = await runCli(['--once'], { ...env, DATABASE_URL: 'postgres://postgres:pw@127.0.0.1:1/jobcannon' });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('could not reach the database at postgres://postgres:***@127.0.0.1:1/jobcannon: connect ECONNREFUSED');

    const badKey = await runCli(['--once'], { ...env, TOKEN_ENCRYPTION_KEY: 'c2hvcnQ=' });
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain('TOKEN_ENCRYPTION_KEY must be 32 bytes in base64');

    const badFlag = await runCli(['--once', 'nightly'], env);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('Unknown job "nightly"');
  });

  it('SIGTERM during a run: finishes the batch in hand, exits 0, and the next run pushes the rest', async () => {
    const { database, integration, orgId, env } = await setup(1006);
    const total = 2_500;
    for (let start = 0; start < total; start += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, offset) => integration.enqueue(completedInvite(orgId, start + offset))));
    }
    // Slow pushes, so the signal lands while a batch is in flight.
    emulator.addFault({ hubId: 1006, route: 'contacts.batchUpsert', latencyMs: 250 });
    const { child, result } = startCli(['--once', 'retry'], env);
    await waitFor(async () => (await leasedRows(database.db)) > 0, 'the CLI to claim a batch');
    child.kill('SIGTERM');
    const stopped = await result;

    expect(stopped.signal).toBeNull();
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain('SIGTERM: finishing the current batch, then exiting');
    const match = /^retry: pushed=(\d+) failed=0 held=0 retried=0 in \d+\.\ds \(interrupted: the next run picks up the rest\)\n$/.exec(stopped.stdout);
    expect(match, stopped.stdout).not.toBeNull();
    const pushed = Number(match![1]);
    expect(pushed).toBeGreaterThan(0);
    expect(pushed).toBeLessThan(total);
    // The batch in hand was settled, not abandoned: nothing is left leased.
    expect(await leasedRows(database.db)).toBe(0);
    expect((await integration.status(orgId)).queue.pending).toBe(total - pushed);

    emulator.clearFaults();
    const rest = await runCli(['--once', 'retry'], env);
    expect(rest.stdout).toMatch(new RegExp(`^retry: pushed=${total - pushed} failed=0 held=0 retried=0 ${SUMMARY_TIME}\n$`));
    expect(emulator.contacts(1006)).toHaveLength(total);
  });

  it('a crash mid-push (SIGKILL) leaves leased rows; the next run reclaims them once the lease expires', async () => {
    const { database, integration, orgId, env } = await setup(1005);
    for (let index = 0; index < 400; index += 1) await integration.enqueue(completedInvite(orgId, 10_000 + index));
    emulator.addFault({ hubId: 1005, route: 'contacts.batchUpsert', latencyMs: 2_000 });
    const { child, result } = startCli(['--once', 'retry'], env);
    await waitFor(async () => (await leasedRows(database.db)) > 0, 'the CLI to claim rows');
    child.kill('SIGKILL');
    expect((await result).signal).toBe('SIGKILL');
    const orphaned = await leasedRows(database.db);
    expect(orphaned).toBeGreaterThan(0);
    emulator.clearFaults();

    // The next run, 61 s later (core's default lease is 60 s): another host instance whose clock says so.
    const later = createTestIntegration(database.db, emulator, { clock: { now: () => Date.now() + 61_000 } });
    try {
      // The dead process's advisory lock went with its session; allow the server a moment to notice.
      const summary = await waitFor(async () => {
        const run = await runSweepJob(later, 'retry');
        return run.ran ? run : null;
      }, 'the dead leader to release the lock');
      expect(summary.reclaimed).toBe(orphaned);
      expect(summary.failed).toBe(0);
    } finally {
      await later.close();
    }
    expect(await leasedRows(database.db)).toBe(0);
    expect((await integration.status(orgId)).queue.pending).toBe(0);
    expect(emulator.contacts(1005).filter((contact) => contact.email?.startsWith('candidate.1'))).toHaveLength(400);
  });

  it('without --once: runs on its schedule, one line per run, until SIGTERM', async () => {
    const { integration, orgId, env } = await setup(1001);
    await integration.enqueue(completedInvite(orgId, 77_001));
    // Six fields: every second, so the test sees runs without waiting five minutes.
    const { child, result } = startCli(['--retry-schedule', '* * * * * *', '--partial-schedule', 'off'], env);
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await waitFor(() => stdout.split('\n').filter(Boolean).length >= 2, 'two scheduled runs');
    child.kill('SIGTERM');
    const stopped = await result;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain('jc-hubspot-sweep: scheduled retry "* * * * * *" (UTC); stop with SIGTERM or Ctrl-C');
    const lines = stopped.stdout.split('\n').filter(Boolean);
    expect(lines[0]).toMatch(new RegExp(`^retry: pushed=1 failed=0 held=0 retried=0 ${SUMMARY_TIME}$`));
    // Later ticks find nothing due (or, on a slow machine, the previous run still holding the lock).
    expect(lines.slice(1).every((line) => /^retry: (pushed=0 |skipped \(not the leader)/.test(line))).toBe(true);

    const noSource = await runCli([], env);
    expect(noSource.code).toBe(2);
    expect(noSource.stderr).toContain('or --partial-schedule off to run only the retry job');
  });

  // Failed before: there was no way to move stored tokens to a new key (no reencrypt-tokens command).
  it('reencrypt-tokens moves stored tokens to the new key, printing the counts; 1 while any cannot be read', async () => {
    const { database, integration, orgId, env } = await setup(1002);
    const newKey = { TOKEN_ENCRYPTION_KEY: 'MTIzNDU2Nzg5MGFiY2RlZjEyMzQ1Njc4OTBhYmNkZWY=', TOKEN_ENCRYPTION_KEY_ID: 'rotated-2026' };

    const withoutOldKey = await runCli(['reencrypt-tokens'], { ...env, ...newKey });
    expect([withoutOldKey.code, withoutOldKey.stdout]).toEqual([1, 'reencrypt-tokens scanned=1 reencrypted=0 alreadyCurrent=0 failed=1\n']);
    expect(withoutOldKey.stderr).toContain('add the old key to TOKEN_ENCRYPTION_OLD_KEYS');

    const withOldKey = { ...env, ...newKey, TOKEN_ENCRYPTION_OLD_KEYS: `${env.TOKEN_ENCRYPTION_KEY_ID}:${env.TOKEN_ENCRYPTION_KEY}` };
    const moved = await runCli(['reencrypt-tokens'], withOldKey);
    expect([moved.code, moved.stdout, moved.stderr]).toEqual([0, 'reencrypt-tokens scanned=1 reencrypted=1 alreadyCurrent=0 failed=0\n', '']);
    const row = (await database.db('hubspot_connections').where({ org_id: orgId }).first('access_token_enc', 'refresh_token_enc')) as { access_token_enc: string; refresh_token_enc: string };
    expect([row.access_token_enc.split('.')[1], row.refresh_token_enc.split('.')[1]]).toEqual(['rotated-2026', 'rotated-2026']);

    expect((await runCli(['reencrypt-tokens'], withOldKey)).stdout).toBe('reencrypt-tokens scanned=1 reencrypted=0 alreadyCurrent=1 failed=0\n');
    // The integration still holding only the old key can no longer read them: the rotation is done.
    expect((await integration.status(orgId)).lastError?.code).toBe('DECRYPTION_FAILED');
  });
});
