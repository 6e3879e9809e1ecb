import { expect, it } from 'vitest';
import { describeEachBackend } from '../test-support/test-databases.js';
import { HubSpotKitError } from '../errors.js';
import { createPostgresDatabase, withAdvisoryLock } from './database.js';
import {
  appliedMigrations,
  hubspotMigrationSource,
  MIGRATIONS_ADVISORY_LOCK,
  MIGRATIONS_LOCK_TABLE,
  MIGRATIONS_TABLE,
  rollbackAllMigrations,
  runMigrations,
} from './migration-source.js';
import { queryRows } from './sql.js';

const CORE_TABLES = [
  'hubspot_backfills',
  'hubspot_connections',
  'hubspot_invalid_snapshots',
  'hubspot_oauth_states',
  'hubspot_outbox',
  'hubspot_portal_budget_slots',
  'hubspot_portal_error_budget',
  'hubspot_sync_log',
  'hubspot_webhook_events',
];

/** Every migration core ships, oldest first: what a fully migrated database lists as applied. */
async function allMigrationNames(): Promise<string[]> {
  const migrations = await hubspotMigrationSource.getMigrations([]);
  return migrations.map((migration) => hubspotMigrationSource.getMigrationName(migration));
}

describeEachBackend('migrations', (backend) => {
  async function tables(): Promise<string[]> {
    const rows = await queryRows<{ table_name: string }>(
      backend.db,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'hubspot%' ORDER BY table_name`,
    );
    return rows.map((row) => row.table_name);
  }

  it('creates the core tables and its own bookkeeping tables', async () => {
    expect(await tables()).toEqual([...CORE_TABLES, MIGRATIONS_TABLE, MIGRATIONS_LOCK_TABLE].sort());
    expect(await appliedMigrations(backend.db)).toEqual(await allMigrationNames());
  });

  it('is idempotent: running again changes nothing', async () => {
    await runMigrations(backend.db);
    await runMigrations(backend.db);
    expect(await appliedMigrations(backend.db)).toEqual(await allMigrationNames());
    const batches = await queryRows<{ n: unknown }>(backend.db, `SELECT count(*) AS n FROM ${MIGRATIONS_TABLE}`);
    expect(Number(batches[0]?.n)).toBe((await allMigrationNames()).length);
  });

  it('never touches the default knex_migrations table', async () => {
    const rows = await queryRows<{ n: unknown }>(
      backend.db,
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_name IN ('knex_migrations', 'knex_migrations_lock')`,
    );
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it('rolls back completely and migrates again', async () => {
    await rollbackAllMigrations(backend.db);
    expect(await tables()).toEqual([MIGRATIONS_TABLE, MIGRATIONS_LOCK_TABLE].sort());
    await runMigrations(backend.db);
    expect(await tables()).toContain('hubspot_outbox');
  });
});

describeEachBackend(
  'migrations from several processes at once',
  (backend) => {
    const connectionString = () => {
      if (backend.connectionString === null) throw new Error('postgres only');
      return backend.connectionString;
    };

    it('lets six runners on separate pools (as six host processes) all succeed on a fresh database, applying each migration once', async () => {
      const pools = Array.from({ length: 6 }, () => createPostgresDatabase(connectionString(), { max: 2 }));
      try {
        const outcomes = await Promise.allSettled(pools.map((db) => runMigrations(db)));
        expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
      } finally {
        await Promise.all(pools.map((db) => db.destroy()));
      }
      expect(await appliedMigrations(backend.db)).toEqual(await allMigrationNames());
      const rows = await queryRows<{ n: unknown }>(backend.db, `SELECT count(*) AS n FROM ${MIGRATIONS_TABLE}`);
      expect(Number(rows[0]?.n)).toBe((await allMigrationNames()).length);
      const outboxTables = await queryRows<{ n: unknown }>(
        backend.db,
        `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'hubspot_outbox'`,
      );
      expect(Number(outboxTables[0]?.n)).toBe(1);
    });

    it('waits for a process that is still migrating, and gives up with a clear INTERNAL error once the wait runs out', async () => {
      const holder = createPostgresDatabase(connectionString(), { max: 2 });
      const waiter = createPostgresDatabase(connectionString(), { max: 2 });
      try {
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        let holding!: () => void;
        const held = new Promise<void>((resolve) => (holding = resolve));
        // Another process mid-migration: it holds the migrations lock until told to let go.
        const other = withAdvisoryLock(holder, MIGRATIONS_ADVISORY_LOCK, { timeoutMs: 60_000 }, async () => {
          holding();
          await released;
        });
        await held;

        const error = await runMigrations(waiter, { lockTimeoutMs: 200 }).then(
          () => null,
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(HubSpotKitError);
        expect(error).toMatchObject({ code: 'INTERNAL', details: { lockName: MIGRATIONS_ADVISORY_LOCK, timeoutMs: 200 } });
        expect((error as Error).message).toMatch(/Gave up after waiting .* for the "migrations" lock/);

        // Once the other process is done, the same call goes through (and finds nothing to do).
        const waiting = runMigrations(waiter);
        release();
        await other;
        await waiting;
        expect(await appliedMigrations(waiter)).toEqual(await allMigrationNames());
      } finally {
        await Promise.all([holder.destroy(), waiter.destroy()]);
      }
    });
  },
  { only: ['postgres'], migrate: false },
);

describeEachBackend(
  'migrations called several times at once in one process',
  (backend) => {
    it('runs the calls on one knex one after the other on a fresh database, each succeeding', async () => {
      await Promise.all(Array.from({ length: 4 }, () => runMigrations(backend.db)));
      expect(await appliedMigrations(backend.db)).toEqual(await allMigrationNames());
    });
  },
  { migrate: false },
);
