import { randomBytes } from 'node:crypto';
import { createPostgresDatabase, runMigrations } from '@jobcannon/hubspot-core';

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

export const serverUrl = (): string => process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function withAdmin<T>(work: (admin: Database) => Promise<T>): Promise<T> {
  const admin = createPostgresDatabase(serverUrl(), { min: 0, max: 1 });
  try {
    return await work(admin);
  } catch (error) {
    throw new Error(`PostgreSQL test server ${new URL(serverUrl()).host}: ${(error as Error).message} (start it with pg_ctlcluster 15 main start, or set TEST_DATABASE_URL)`, { cause: error });
  } finally {
    await admin.destroy();
  }
}

/**
 * A fresh, migrated database `jc_sweep_<random>` on the real server, so suites running in parallel
 * never meet. `synchronous_commit = off` is set on this throwaway database only: every enqueue is
 * its own commit, and waiting for the WAL flush of each would make the 50,000-invite suite twice as
 * slow without testing anything more (it only matters if the server itself crashes).
 */
export async function createTestDatabase(options: { fastCommit?: boolean } = {}): Promise<TestDatabase> {
  const name = `jc_sweep_${randomBytes(5).toString('hex')}`;
  await withAdmin(async (admin) => {
    await admin.raw(`CREATE DATABASE "${name}"`);
    if (options.fastCommit !== false) await admin.raw(`ALTER DATABASE "${name}" SET synchronous_commit = off`);
  });
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  const pools: Database[] = [];
  const openPool = (max = 10) => {
    const pool = createPostgresDatabase(url.toString(), { min: 0, max });
    pools.push(pool);
    return pool;
  };
  const db = openPool();
  await runMigrations(db);
  let dropped: Promise<void> | null = null;
  return {
    db,
    name,
    url: url.toString(),
    openPool,
    drop() {
      dropped ??= (async () => {
        await Promise.all(pools.map((pool) => pool.destroy()));
        await withAdmin(async (admin) => {
          await admin.raw('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()', [name]);
          await admin.raw(`DROP DATABASE IF EXISTS "${name}"`);
        });
      })();
      return dropped;
    },
  };
}
