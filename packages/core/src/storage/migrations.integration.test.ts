import { expect, it } from 'vitest';
import { describeEachBackend } from '../test-support/test-databases.js';
import { createPostgresDatabase } from './database.js';
import { appliedMigrations, MIGRATIONS_LOCK_TABLE, MIGRATIONS_TABLE, rollbackAllMigrations, runMigrations } from './migration-source.js';
import { queryRows } from './sql.js';

const CORE_TABLES = [
  'hubspot_connections',
  'hubspot_oauth_states',
  'hubspot_outbox',
  'hubspot_sync_log',
  'hubspot_webhook_events',
];

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
    expect(await appliedMigrations(backend.db)).toEqual(['001_create_hubspot_tables']);
  });

  it('is idempotent: running again changes nothing', async () => {
    await runMigrations(backend.db);
    await runMigrations(backend.db);
    expect(await appliedMigrations(backend.db)).toEqual(['001_create_hubspot_tables']);
    const batches = await queryRows<{ n: unknown }>(backend.db, `SELECT count(*) AS n FROM ${MIGRATIONS_TABLE}`);
    expect(Number(batches[0]?.n)).toBe(1);
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
    it('lets concurrent runners on separate pools all succeed, applying each migration once', async () => {
      const connectionString = backend.connectionString;
      if (connectionString === null) throw new Error('postgres only');
      const others = Array.from({ length: 4 }, () => createPostgresDatabase(connectionString, { max: 2 }));
      try {
        await Promise.all([backend.db, ...others].map((db) => runMigrations(db)));
        expect(await appliedMigrations(backend.db)).toEqual(['001_create_hubspot_tables']);
      } finally {
        await Promise.all(others.map((db) => db.destroy()));
      }
    });
  },
  { only: ['postgres'], migrate: false },
);
