import type { Emulator } from '@jobcannon/hubspot-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realSleep, systemClock, type Logger } from '../ports/ports.js';
import { claimDueRows, renewLeases } from '../storage/outbox-repository.js';
import { completedInvite, connectOrg, createTestIntegration, startTestEmulator } from '../test-support/integration-harness.js';
import { createPostgresTestDatabase, type PostgresTestDatabase } from '../test-support/test-databases.js';
import { DEFAULT_RETRY_POLICY } from './retry-policy.js';
import { retryOnDatabaseConflict, type ConflictRetryContext } from './database-conflict.js';

function context(warnings: string[]): ConflictRetryContext {
  const logger: Logger = { debug() {}, info() {}, warn: (message) => warnings.push(message), error() {} };
  return { clock: systemClock, random: () => 0.5, sleep: realSleep, logger, shutdown: new AbortController().signal, settings: { retryPolicy: DEFAULT_RETRY_POLICY } };
}

describe('retryOnDatabaseConflict', () => {
  let database: PostgresTestDatabase;
  let emulator: Emulator;

  beforeAll(async () => {
    database = await createPostgresTestDatabase('database_conflict');
    emulator = await startTestEmulator();
  });

  afterAll(async () => {
    await emulator?.close();
    await database?.drop();
  });

  it('renews leases again after PostgreSQL picks the renewal as the victim of a real deadlock with a host transaction', async () => {
    const integration = createTestIntegration(database.db, emulator, { pushOnEnqueue: false });
    try {
      await integration.migrate();
      await connectOrg(integration, emulator, { orgId: 'org-deadlock', hubId: 1001 });
      await integration.enqueue(completedInvite('org-deadlock', 1));
      await integration.enqueue(completedInvite('org-deadlock', 2));
      const claimed = await claimDueRows(database.db, { workerId: 'worker-a', now: new Date(), leaseMs: 60_000, limit: 10 });
      expect(claimed).toHaveLength(2);
      const [first, second] = claimed.map((row) => row.id).sort((a, b) => Number(a) - Number(b)) as [string, string];
      const warnings: string[] = [];
      let renewal: Promise<string[]> = Promise.resolve([]);
      // The host's transaction locks the second row, the renewal locks the first and waits for the
      // second, then the host wants the first: a cycle PostgreSQL breaks by aborting the renewal,
      // which waited first.
      await database.db.transaction(async (trx) => {
        // The host checks for deadlocks much later than the renewal, so the renewal is the victim
        // even on a loaded machine.
        await trx.raw(`SET LOCAL deadlock_timeout = '20s'`);
        await trx.raw('UPDATE hubspot_outbox SET updated_at = now() WHERE id = ?', [second]);
        renewal = retryOnDatabaseConflict(context(warnings), 'renewing leases', () => renewLeases(database.db, { ids: [first, second], workerId: 'worker-a', until: new Date(Date.now() + 60_000) }));
        for (let waited = 0; waited < 100; waited += 1) {
          const { rows } = (await trx.raw(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)) as { rows: Array<{ n: number }> };
          if (rows[0]!.n > 0) break;
          await realSleep(20);
        }
        await trx.raw('UPDATE hubspot_outbox SET updated_at = now() WHERE id = ?', [first]);
      });
      expect((await renewal).sort()).toEqual([first, second].sort());
      expect(warnings).toEqual(['renewing leases met a database conflict; running it again']);
    } finally {
      await integration.close();
    }
  }, 30_000);

  it('rethrows anything that is not a conflict at once', async () => {
    const warnings: string[] = [];
    let calls = 0;
    const failing = retryOnDatabaseConflict(context(warnings), 'a write', async () => {
      calls += 1;
      throw Object.assign(new Error('unique violation'), { code: '23505' });
    });
    await expect(failing).rejects.toThrow('unique violation');
    expect(calls).toBe(1);
    expect(warnings).toEqual([]);
  });
});
