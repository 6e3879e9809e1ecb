import { randomBytes } from 'node:crypto';
import { createPostgresDatabase } from '@jobcannon/hubspot-core';

/** The knex instance core's public factory returns (this package has no knex dependency of its own). */
export type Database = ReturnType<typeof createPostgresDatabase>;

export interface TestDatabase {
  db: Database;
  name: string;
  /** Closes `db` and drops the database. Idempotent. */
  drop(): Promise<void>;
}

const serverUrl = (): string => process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs `work` on a one-connection knex to the server's maintenance database. */
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

/** A fresh database `jc_router_<random>` per suite, so suites running in parallel never meet. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `jc_router_${randomBytes(5).toString('hex')}`;
  await withAdmin((admin) => admin.raw(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  const db = createPostgresDatabase(url.toString(), { min: 0, max: 10 });
  let dropped: Promise<void> | null = null;
  return {
    db,
    name,
    drop() {
      dropped ??= (async () => {
        await db.destroy();
        await withAdmin(async (admin) => {
          await admin.raw('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()', [name]);
          await admin.raw(`DROP DATABASE IF EXISTS "${name}"`);
        });
      })();
      return dropped;
    },
  };
}
