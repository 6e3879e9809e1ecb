import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../test-support/test-databases.js';
import { advisoryLockKey, createEmbeddedDatabase, createExclusiveRunner, createPostgresDatabase, isSingleConnection } from './database.js';
import { runMigrations } from './migration-source.js';
import { queryRows } from './sql.js';

// pg_locks spans the whole cluster: count only this test database's advisory locks.
const ADVISORY_LOCKS_HERE = `SELECT count(*) AS n FROM pg_locks
  WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

/** A promise with its resolve handle, to hold a task open while the test looks around. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

it('advisoryLockKey is a stable signed 64-bit integer per name', () => {
  const key = advisoryLockKey('drain');
  expect(key).toBe(advisoryLockKey('drain'));
  expect(key).not.toBe(advisoryLockKey('sweep-partials'));
  const value = BigInt(key);
  expect(value >= -(2n ** 63n) && value < 2n ** 63n).toBe(true);
});

describeEachBackend('database: exclusive runner', (backend) => {
  it('detects the single-connection PGlite client (also through a transaction)', async () => {
    expect(isSingleConnection(backend.db)).toBe(backend.name === 'pglite');
    expect(await backend.db.transaction(async (trx) => isSingleConnection(trx))).toBe(backend.name === 'pglite');
  });

  it('runs the task and returns its result; a second caller is refused while it runs; the lock is free afterwards', async () => {
    const runner = createExclusiveRunner(backend.db);
    const hold = gate();
    const started = gate();
    const first = runner.runExclusive('drain', async () => {
      started.open();
      await hold.promise;
      return 42;
    });
    await started.promise;
    expect(await runner.runExclusive('drain', async () => 'second')).toEqual({ ran: false });
    // Another name is independent.
    expect(await runner.runExclusive('sweep', async () => 'other')).toEqual({ ran: true, result: 'other', lockLost: false });
    hold.open();
    expect(await first).toEqual({ ran: true, result: 42, lockLost: false });
    expect(await runner.runExclusive('drain', async () => 'again')).toEqual({ ran: true, result: 'again', lockLost: false });
  });

  it('releases the lock when the task throws, and rethrows', async () => {
    const runner = createExclusiveRunner(backend.db);
    await expect(runner.runExclusive('boom', async () => Promise.reject(new Error('task failed')))).rejects.toThrow('task failed');
    expect(await runner.runExclusive('boom', async () => 'recovered')).toEqual({ ran: true, result: 'recovered', lockLost: false });
  });

  it('lets the task use the database, transactions included, while the lock is held', async () => {
    const runner = createExclusiveRunner(backend.db);
    const result = await runner.runExclusive('work', async () =>
      backend.db.transaction(async (trx) => (await queryRows<{ one: number }>(trx, 'SELECT 1 AS one'))[0]?.one),
    );
    expect(result).toEqual({ ran: true, result: 1, lockLost: false });
  });

  it.runIf(backend.name === 'postgres')('excludes across knex instances (processes), and frees the session lock afterwards', async () => {
    const connectionString = backend.connectionString;
    if (connectionString === null) throw new Error('postgres only');
    const otherProcess = createPostgresDatabase(connectionString, { max: 2 });
    try {
      const here = createExclusiveRunner(backend.db);
      const there = createExclusiveRunner(otherProcess);
      const hold = gate();
      const started = gate();
      const first = here.runExclusive('leader', async () => {
        started.open();
        await hold.promise;
        return 'here';
      });
      await started.promise;
      expect(await there.runExclusive('leader', async () => 'there')).toEqual({ ran: false });
      const locks = await queryRows<{ n: unknown }>(otherProcess, ADVISORY_LOCKS_HERE);
      expect(Number(locks[0]?.n)).toBeGreaterThanOrEqual(1);
      hold.open();
      expect(await first).toEqual({ ran: true, result: 'here', lockLost: false });
      expect(await there.runExclusive('leader', async () => 'there')).toEqual({ ran: true, result: 'there', lockLost: false });

      // Both racing at once: exactly one runs.
      const slow = async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return true;
      };
      const raced = await Promise.all([here.runExclusive('race', slow), there.runExclusive('race', slow)]);
      expect(raced.filter((outcome) => outcome.ran)).toHaveLength(1);

      await expect(there.runExclusive('leader', async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
      expect(await here.runExclusive('leader', async () => 'after throw')).toEqual({ ran: true, result: 'after throw', lockLost: false });
      const left = await queryRows<{ n: unknown }>(backend.db, ADVISORY_LOCKS_HERE);
      expect(Number(left[0]?.n)).toBe(0);
    } finally {
      await otherProcess.destroy();
    }
  });
});

it('createEmbeddedDatabase persists to a data directory across reopen', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'jc-pglite-'));
  try {
    const first = await createEmbeddedDatabase({ dataDir });
    await runMigrations(first);
    await first.raw(`INSERT INTO hubspot_webhook_events (event_key, portal_id, subscription_type, received_at) VALUES ('k', 1, 't', ?)`, [new Date()]);
    await first.destroy();
    const reopened = await createEmbeddedDatabase({ dataDir });
    try {
      await runMigrations(reopened);
      expect(await queryRows(reopened, 'SELECT event_key FROM hubspot_webhook_events')).toEqual([{ event_key: 'k' }]);
    } finally {
      await reopened.destroy();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
