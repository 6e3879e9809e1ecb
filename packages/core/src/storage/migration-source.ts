import type { Knex } from 'knex';
import * as createHubSpotTables from './migrations/001-create-hubspot-tables.js';

/** Core's own bookkeeping tables, so the host's knex migrations never see (or clash with) ours. */
export const MIGRATIONS_TABLE = 'hubspot_knex_migrations';
/** knex derives the lock table name from the migrations table name; stated here for operators. */
export const MIGRATIONS_LOCK_TABLE = `${MIGRATIONS_TABLE}_lock`;

export interface HubSpotMigration {
  /** Stored in `hubspot_knex_migrations.name`: never rename one that has shipped. */
  readonly name: string;
  readonly migration: Knex.Migration;
}

/**
 * Statically imported, in order. A directory-scanning source would break once core is bundled or
 * compiled to another extension; this list travels with the code.
 */
const MIGRATIONS: readonly HubSpotMigration[] = [
  { name: '001_create_hubspot_tables', migration: createHubSpotTables },
];

export const hubspotMigrationSource: Knex.MigrationSource<HubSpotMigration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (entry) => entry.name,
  getMigration: async (entry) => entry.migration,
};

export function hubspotMigratorConfig(): Knex.MigratorConfig {
  return { migrationSource: hubspotMigrationSource, tableName: MIGRATIONS_TABLE };
}

export interface RunMigrationsOptions {
  /** How often to retry when another process is creating the bookkeeping tables. Default 20. */
  maxAttempts?: number;
  /** Wait between those retries. Default 100 ms. */
  retryDelayMs?: number;
}

/**
 * Brings the schema up to date; a no-op when it already is. Safe to call from several processes
 * at once: knex serialises the batches through its lock row, and the one race knex leaves open
 * (two processes creating `hubspot_knex_migrations` at the same moment: duplicate table/type) is
 * retried here.
 */
export async function runMigrations(db: Knex, options: RunMigrationsOptions = {}): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 20;
  const retryDelayMs = options.retryDelayMs ?? 100;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await db.migrate.latest(hubspotMigratorConfig());
      return;
    } catch (error) {
      if (attempt >= maxAttempts || !isConcurrentMigrationError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
    }
  }
}

/** Undoes every core migration (tests and uninstall scripts; never called by the integration). */
export async function rollbackAllMigrations(db: Knex): Promise<void> {
  await db.migrate.rollback(hubspotMigratorConfig(), true);
}

/** The schema version as the list of applied migration names, oldest first. */
export async function appliedMigrations(db: Knex): Promise<string[]> {
  const [completed] = (await db.migrate.list(hubspotMigratorConfig())) as [Array<{ name: string }>, unknown[]];
  return completed.map((entry) => entry.name);
}

function isConcurrentMigrationError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  // Two sessions creating the same bookkeeping table: 42P07 duplicate_table, 42710 duplicate_object
  // ('type "…" already exists', the table's row type), 23505 unique_violation (the pg_type index).
  if (code === '42P07' || code === '42710' || code === '23505') return true;
  return error.name === 'LockError' || /already locked/i.test(error.message);
}
