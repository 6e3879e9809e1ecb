import type { Emulator } from '@jobcannon/hubspot-emulator';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../storage/database.js';
import { runMigrations } from '../storage/migration-source.js';
import { completedInvite, connectOrg, createTestIntegration, startTestEmulator } from '../test-support/integration-harness.js';
import { createPostgresTestDatabase, type PostgresTestDatabase } from '../test-support/test-databases.js';
import { createPostgresPortalBudget } from './postgres-portal-budget.js';

const LEASE = 60_000;
const HOUR = 3_600_000;

describe('PostgreSQL portal budget', () => {
  let database: PostgresTestDatabase;
  let other: Knex;
  let portal = 5000;

  beforeAll(async () => {
    database = await createPostgresTestDatabase('portal_budget');
    await runMigrations(database.db);
    other = createPostgresDatabase(database.connectionString, { max: 4 });
  });

  afterAll(async () => {
    await other?.destroy();
    await database?.drop();
  });

  it('never hands the same slot to two processes taking at the same moment', async () => {
    portal += 1;
    const budgets = [createPostgresPortalBudget(database.db), createPostgresPortalBudget(other), createPostgresPortalBudget(database.db)];
    const takes = await Promise.all(Array.from({ length: 12 }, (_, index) => budgets[index % 3]!.take(portal, { max: 20, count: 3, leaseMs: LEASE })));
    const slots = takes.flatMap((take) => take.slots);
    expect(slots).toHaveLength(20);
    expect(new Set(slots).size).toBe(20);
    expect(slots.every((slot) => slot >= 0 && slot < 20)).toBe(true);
    const none = await budgets[1]!.take(portal, { max: 20, count: 1, leaseMs: LEASE });
    expect(none.slots).toEqual([]);
    expect(none.waitMs).toBeGreaterThan(LEASE / 2);
  });

  it('frees a slot a window after the release, and only for the holder of the token', async () => {
    portal += 1;
    const a = createPostgresPortalBudget(database.db);
    const b = createPostgresPortalBudget(other);
    const held = await a.take(portal, { max: 1, count: 1, leaseMs: LEASE });
    expect(held.slots).toEqual([0]);
    await b.release(portal, held.slots, 'someone-else', 0);
    expect((await b.take(portal, { max: 1, count: 1, leaseMs: LEASE })).slots).toEqual([]);
    await a.release(portal, held.slots, held.token, HOUR);
    const later = await b.take(portal, { max: 1, count: 1, leaseMs: LEASE });
    expect(later.slots).toEqual([]);
    expect(later.waitMs).toBeGreaterThan(HOUR - 60_000);
    await a.release(portal, held.slots, held.token, 0); // the token was spent by the first release
    expect((await b.take(portal, { max: 1, count: 1, leaseMs: LEASE })).slots).toEqual([]);
  });

  it('a pause stops every process taking from the portal, and only that portal', async () => {
    portal += 2;
    const a = createPostgresPortalBudget(database.db);
    const b = createPostgresPortalBudget(other);
    await a.pause(portal, HOUR);
    const paused = await b.take(portal, { max: 5, count: 5, leaseMs: LEASE });
    expect(paused.slots).toEqual([]);
    expect(paused.waitMs).toBeGreaterThan(HOUR - 60_000);
    expect((await b.take(portal + 1, { max: 5, count: 5, leaseMs: LEASE })).slots).toHaveLength(5);
  });

  it('paces takes of every process a pace apart, and never holds an unpaced take back', async () => {
    portal += 1;
    const a = createPostgresPortalBudget(database.db);
    const b = createPostgresPortalBudget(other);
    // A fraction, as HubSpot's 110 requests per 10 s make it (10,000 / 110).
    const pace = 1_000 + 1 / 3;
    // Slot starts in the database's own clock (a slot taken is held for LEASE from its start):
    // exact, whatever each process's estimate of its offset from that clock.
    const startsInDatabase = async (token: string) =>
      (
        (await database.db.raw(`SELECT extract(epoch FROM free_at) * 1000 - ? AS start FROM hubspot_portal_budget_slots WHERE portal_id = ? AND token = ? ORDER BY free_at`, [LEASE, portal, token])) as {
          rows: Array<{ start: string }>;
        }
      ).rows.map((row) => Number(row.start));
    const began = Date.now();
    const takes = await Promise.all([a, b, a, b].map((budget) => budget.take(portal, { max: 20, count: 5, leaseMs: LEASE, lookaheadMs: 2_500, paceMs: pace })));
    const elapsed = Date.now() - began;
    const starts = (await Promise.all(takes.map((take) => startsInDatabase(take.token)))).flat().sort((x, y) => x - y);
    // Twenty slots are free, but a 1 s pace within a 2.5 s lookahead allows three starts (one
    // more per pace that the four takes were spread over on a loaded machine), whichever process takes.
    expect(starts.length).toBeGreaterThanOrEqual(3);
    expect(starts.length).toBeLessThanOrEqual(3 + Math.ceil(elapsed / pace));
    for (let index = 1; index < starts.length; index += 1) expect(starts[index]! - starts[index - 1]!).toBeGreaterThanOrEqual(pace - 0.01);
    for (const take of takes.filter((taken) => taken.slots.length === 0)) expect(take.waitMs).toBeGreaterThan(0);
    // An unpaced (live) take starts at once: before the paced starts still to come.
    const live = await b.take(portal, { max: 20, count: 2, leaseMs: LEASE });
    expect(live.slots).toHaveLength(2);
    expect(Math.max(...(await startsInDatabase(live.token)))).toBeLessThan(starts.at(-1)!);
  });

  it('keeps at most `remaining` slots free when HubSpot says the window is nearly spent', async () => {
    portal += 1;
    const a = createPostgresPortalBudget(database.db);
    await a.take(portal, { max: 10, count: 0, leaseMs: LEASE });
    await a.limitFree(portal, 10, 3, HOUR);
    expect((await createPostgresPortalBudget(other).take(portal, { max: 10, count: 10, leaseMs: LEASE })).slots).toHaveLength(3);
  });
});

describe('three integrations on separate pools, one portal', () => {
  const HUB = 1001;
  const ROWS = 3_000;
  let database: PostgresTestDatabase;
  let emulator: Emulator;

  beforeAll(async () => {
    database = await createPostgresTestDatabase('portal_budget_shared');
    // A short window keeps the test quick; the kit is told the same limit HubSpot enforces.
    emulator = await startTestEmulator({ rateLimit: { max: 8, intervalMs: 1_000 } });
  });

  afterAll(async () => {
    await emulator?.close();
    await database?.drop();
  });

  it('stays under the portal limit together, and every row lands', async () => {
    const pools = [database.db, createPostgresDatabase(database.connectionString, { max: 4 }), createPostgresDatabase(database.connectionString, { max: 4 })];
    const workers = pools.map((pool, index) =>
      createTestIntegration(pool, emulator, { workerId: `budget-${index}`, rateLimit: { maxRequests: 8, intervalMs: 1_000 }, retry: { baseDelayMs: 20, maxDelayMs: 200 } }),
    );
    try {
      await workers[0]!.migrate();
      await connectOrg(workers[0]!, emulator, { orgId: 'org-budget', hubId: HUB });
      for (let start = 0; start < ROWS; start += 500) {
        await database.db.transaction(async (trx) => {
          for (let index = start; index < start + 500; index += 1) await workers[0]!.enqueue(completedInvite('org-budget', index), trx);
        });
      }
      const results = await Promise.all(
        workers.map(async (worker) => {
          let pushed = 0;
          let failed = 0;
          for (let idle = 0; idle < 3; ) {
            const result = await worker.drain();
            pushed += result.pushed;
            failed += result.failed;
            if (result.pushed + result.failed + result.retried === 0) {
              idle += 1;
              await new Promise((resolve) => setTimeout(resolve, 100));
            } else idle = 0;
          }
          return { pushed, failed };
        }),
      );
      const totals = emulator.counters().totals;
      expect(totals.rateLimited).toBe(0);
      expect(results.reduce((sum, result) => sum + result.failed, 0)).toBe(0);
      expect(results.reduce((sum, result) => sum + result.pushed, 0)).toBe(ROWS);
      expect(emulator.contacts(HUB)).toHaveLength(ROWS);
      // More than one worker took part (the budget is shared, not won by one process).
      expect(results.filter((result) => result.pushed > 0).length).toBeGreaterThan(1);
    } finally {
      for (const worker of workers) await worker.close();
      for (const pool of pools.slice(1)) await pool.destroy();
    }
  }, 120_000);
});
