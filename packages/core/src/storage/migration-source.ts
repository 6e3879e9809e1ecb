import type { Knex } from 'knex';
import { isSingleConnection, withAdvisoryLock } from './database.js';
import * as createHubSpotTables from './migrations/001-create-hubspot-tables.js';
import * as structuredErrors from './migrations/002-structured-errors.js';
import * as portalBudget from './migrations/003-portal-budget.js';
import * as invalidSnapshotsAndChecks from './migrations/004-invalid-snapshots-and-checks.js';
import * as backfill from './migrations/005-backfill.js';

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
  { name: '002_structured_errors', migration: structuredErrors },
  { name: '003_portal_budget', migration: portalBudget },
  { name: '004_invalid_snapshots_and_checks', migration: invalidSnapshotsAndChecks },
  { name: '005_backfill', migration: backfill },
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
  /**
   * How long a process waits for another one that is migrating the same database before it gives
   * up with HubSpotKitError 'INTERNAL'. Default 10 minutes: a migration that takes longer than that
   * is stuck, not slow.
   */
  lockTimeoutMs?: number;
}

export const DEFAULT_MIGRATION_LOCK_TIMEOUT_MS = 10 * 60_000;
/** The advisory lock every process takes around its migration run (see `advisoryLockKey`). */
export const MIGRATIONS_ADVISORY_LOCK = 'migrations';

/** Calls on one knex instance, chained: they wait for each other in this process without a pool connection each. */
const inProcessRuns = new WeakMap<Knex, Promise<unknown>>();

/**
 * Brings the schema up to date; a no-op when it already is. Any number of processes may call it at
 * once: on PostgreSQL each run waits for a session-level advisory lock, so they go one after the
 * other and the later ones find nothing to do. That also closes the race knex leaves open (two
 * processes creating `hubspot_knex_migrations` at the same moment), and knex's own lock row is then
 * never contended, so no run meets MigrationLocked. PGlite has one connection and one process: the
 * in-process chaining is all it needs (an advisory lock there would be re-entrant, excluding nothing).
 */
export async function runMigrations(db: Knex, options: RunMigrationsOptions = {}): Promise<void> {
  const timeoutMs = options.lockTimeoutMs ?? DEFAULT_MIGRATION_LOCK_TIMEOUT_MS;
  const migrate = async () => {
    await db.migrate.latest(hubspotMigratorConfig());
  };
  const run = isSingleConnection(db) ? migrate : () => withAdvisoryLock(db, MIGRATIONS_ADVISORY_LOCK, { timeoutMs }, migrate);
  const previous = inProcessRuns.get(db) ?? Promise.resolve();
  const current = previous.catch(() => undefined).then(run);
  inProcessRuns.set(db, current);
  try {
    await current;
  } finally {
    if (inProcessRuns.get(db) === current) inProcessRuns.delete(db);
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
