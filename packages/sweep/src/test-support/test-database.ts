import { createPostgresDatabase, runMigrations } from '@jobcannon/hubspot-core';
import { createPostgresTestDatabase } from '@jobcannon/hubspot-core/test-support';

/** The knex instance core's public factory returns (this package has no knex dependency of its own). */
export type Database = ReturnType<typeof createPostgresDatabase>;

export interface TestDatabase {
  db: Database;
  name: string;
  /** For a second knex pool or another process (the CLI). */
  url: string;
  /** Another knex pool on the same database (a second host instance); closed by drop(). */
  openPool(max?: number): Database;
  /** Closes every pool and drops the database. Idempotent. */
  drop(): Promise<void>;
}

/**
 * Core's fresh database `jc_sweep_<random>` on the real server (so suites running in parallel never
 * meet), migrated, plus the extra pools the multi-instance suites open. `synchronous_commit = off`
 * is set on this throwaway database only: every enqueue is its own commit, and waiting for the WAL
 * flush of each would make the 50,000-invite suite twice as slow without testing anything more (it
 * only matters if the server itself crashes).
 */
export async function createTestDatabase(options: { fastCommit?: boolean } = {}): Promise<TestDatabase> {
  const database = await createPostgresTestDatabase('sweep');
  const extraPools: Database[] = [];
  try {
    // Before any pool connects: a database-level setting reaches only sessions opened after it.
    if (options.fastCommit !== false) await withShortLivedPool(database.connectionString, (db) => db.raw(`ALTER DATABASE "${database.databaseName}" SET synchronous_commit = off`));
    await runMigrations(database.db);
  } catch (error) {
    await database.drop();
    throw error;
  }

  let dropped: Promise<void> | null = null;
  return {
    db: database.db,
    name: database.databaseName,
    url: database.connectionString,
    openPool(max = 10) {
      const pool = createPostgresDatabase(database.connectionString, { min: 0, max });
      extraPools.push(pool);
      return pool;
    },
    drop() {
      dropped ??= (async () => {
        await Promise.all(extraPools.map((pool) => pool.destroy()));
        await database.drop();
      })();
      return dropped;
    },
  };
}

async function withShortLivedPool<T>(connectionString: string, work: (db: Database) => Promise<T>): Promise<T> {
  const db = createPostgresDatabase(connectionString, { min: 0, max: 1 });
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}
