/**
 * Throwaway databases for integration suites, on the real server and on PGlite.
 *
 *   describeEachBackend('outbox', (backend) => {
 *     it('claims due rows', async () => {
 *       await upsertSnapshot(backend.db, …);
 *     });
 *     it.runIf(backend.name === 'postgres')('two claimers get disjoint rows', …);
 *   });
 *
 * Each backend gets its own fresh, migrated database per `describeEachBackend` block (beforeAll),
 * dropped afterwards (afterAll). Tests inside a block share it: use distinct org ids, or call
 * `backend.reset()`.
 *
 * Environment (read here only, never by core): TEST_DATABASE_URL overrides the server
 * (default postgres://postgres@127.0.0.1:5432/postgres); TEST_STORAGE_BACKENDS=postgres or =pglite
 * restricts the backends (comma-separated).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import knexPkg, { type Knex } from 'knex';
import ClientPGLite from 'knex-pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { createEmbeddedDatabase, createPostgresDatabase } from '../storage/database.js';
import { runMigrations } from '../storage/migration-source.js';

export const DEFAULT_TEST_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export type StorageBackendName = 'postgres' | 'pglite';

export interface TestDatabase {
  db: Knex;
  /** Closes `db` and removes the database. Idempotent. */
  drop(): Promise<void>;
}

export interface PostgresTestDatabase extends TestDatabase {
  /** Of the fresh database, for a second knex instance or another process. */
  connectionString: string;
  databaseName: string;
}

export function testServerUrl(): string {
  return process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_SERVER_URL;
}

/**
 * Creates database `jc_<label>_<random>` on the test server and a knex over it (pool max 10).
 * `drop()` destroys that knex, terminates any other session on the database and drops it.
 */
export async function createPostgresTestDatabase(label: string): Promise<PostgresTestDatabase> {
  const serverUrl = testServerUrl();
  const databaseName = `jc_${sanitizeLabel(label)}_${randomBytes(4).toString('hex')}`;
  await withAdminClient(serverUrl, (admin) => admin.query(`CREATE DATABASE ${quoteIdentifier(databaseName)}`));

  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  const connectionString = url.toString();
  const db = createPostgresDatabase(connectionString, { min: 0, max: 10 });

  let dropped: Promise<void> | null = null;
  return {
    db,
    connectionString,
    databaseName,
    drop() {
      dropped ??= (async () => {
        await db.destroy();
        await withAdminClient(serverUrl, async (admin) => {
          await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
            databaseName,
          ]);
          await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(databaseName)}`);
        });
      })();
      return dropped;
    },
  };
}

export interface PgliteTestDatabaseOptions {
  /**
   * Start from an already migrated snapshot (about 0.6 s instead of 2-3 s for initdb plus
   * migrations). The snapshot is built once per migration source and cached in the OS temp
   * directory, shared by every test worker. Default false: an empty database, as production starts.
   */
  migrated?: boolean;
}

/** An in-memory PGlite behind knex. `drop()` destroys the knex, which closes PGlite. */
export async function createPgliteTestDatabase(options: PgliteTestDatabaseOptions = {}): Promise<TestDatabase> {
  const db = options.migrated === true ? await migratedPglite() : await createEmbeddedDatabase();
  let dropped: Promise<void> | null = null;
  return {
    db,
    drop() {
      dropped ??= db.destroy();
      return dropped;
    },
  };
}

export interface StorageBackendFactory {
  name: StorageBackendName;
  create(label: string): Promise<TestDatabase>;
}

export const storageBackends: readonly StorageBackendFactory[] = [
  { name: 'postgres', create: (label) => createPostgresTestDatabase(label) },
  { name: 'pglite', create: () => createPgliteTestDatabase() },
];

/** The same backends, already migrated (PGlite from the cached snapshot): what describeEachBackend uses. */
const migratedBackends: readonly StorageBackendFactory[] = [
  { name: 'postgres', create: (label) => createPostgresTestDatabase(label) },
  { name: 'pglite', create: () => createPgliteTestDatabase({ migrated: true }) },
];

export interface StorageBackend {
  readonly name: StorageBackendName;
  /** The fresh database of this block; throws if read before beforeAll ran. */
  readonly db: Knex;
  /** Of the fresh database, on postgres (a second knex or process); null on pglite. */
  readonly connectionString: string | null;
  /** Empties every hubspot_ table (keeps the schema). */
  reset(): Promise<void>;
}

export interface DescribeEachBackendOptions {
  /** Restrict to these backends (e.g. a postgres-only suite). */
  only?: readonly StorageBackendName[];
  /** Run core's migrations in beforeAll. Default true. */
  migrate?: boolean;
}

/** Defines the suite once per backend, as `<title> [postgres]` and `<title> [pglite]`. */
export function describeEachBackend(
  title: string,
  define: (backend: StorageBackend) => void,
  options: DescribeEachBackendOptions = {},
): void {
  const migrate = options.migrate !== false;
  for (const factory of selectedBackends(migrate ? migratedBackends : storageBackends, options.only)) {
    describe(`${title} [${factory.name}]`, () => {
      let current: TestDatabase | null = null;
      const backend: StorageBackend = {
        name: factory.name,
        get db() {
          if (current === null) throw new Error(`The ${factory.name} test database is not ready (read backend.db inside a test or hook).`);
          return current.db;
        },
        get connectionString() {
          return current !== null && 'connectionString' in current ? (current as PostgresTestDatabase).connectionString : null;
        },
        reset: () => truncateHubSpotTables(backend.db),
      };

      beforeAll(async () => {
        current = await factory.create(title);
        // A no-op on a PGlite snapshot that is already migrated; the real work on postgres.
        if (migrate) await runMigrations(current.db);
      });
      afterAll(async () => {
        await current?.drop();
        current = null;
      });

      define(backend);
    });
  }
}

/** Empties every core table; the migrations bookkeeping stays. */
export async function truncateHubSpotTables(db: Knex): Promise<void> {
  await db.raw(
    'TRUNCATE hubspot_outbox, hubspot_sync_log, hubspot_connections, hubspot_oauth_states, hubspot_webhook_events, hubspot_invalid_snapshots, hubspot_backfills, hubspot_portal_error_budget RESTART IDENTITY',
  );
}

function selectedBackends(
  factories: readonly StorageBackendFactory[],
  only: readonly StorageBackendName[] | undefined,
): StorageBackendFactory[] {
  const fromEnv = process.env.TEST_STORAGE_BACKENDS?.split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return factories.filter(
    (factory) =>
      (only === undefined || only.includes(factory.name)) &&
      (fromEnv === undefined || fromEnv.length === 0 || fromEnv.includes(factory.name)),
  );
}

async function migratedPglite(): Promise<Knex> {
  try {
    return await pgliteFromTemplate();
  } catch {
    // No usable snapshot (e.g. sources not on disk): the slow way still gives the same database.
    const db = await createEmbeddedDatabase();
    await runMigrations(db);
    return db;
  }
}

/**
 * A knex over a PGlite restored from a migrated snapshot. The snapshot's file name hashes the
 * migration sources, so editing a migration builds a new one; a snapshot that fails to load (e.g.
 * after a PGlite upgrade) is rebuilt.
 */
async function pgliteFromTemplate(): Promise<Knex> {
  const file = join(tmpdir(), `jc-hubspot-pglite-${await migrationSourceHash()}.tar.gz`);
  const cached = await readFile(file).catch(() => null);
  if (cached !== null) {
    try {
      return await knexOverPglite(await PGlite.create({ loadDataDir: new Blob([cached]) }));
    } catch {
      await rm(file, { force: true });
    }
  }
  const db = await knexOverPglite(await PGlite.create());
  await runMigrations(db);
  const pglite = (db.client as { pglite: PGlite }).pglite;
  const dump = Buffer.from(await (await pglite.dumpDataDir('gzip')).arrayBuffer());
  // Write then rename: workers racing to build it never read a half-written file.
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(partial, dump);
  await rename(partial, file);
  return db;
}

async function knexOverPglite(pglite: PGlite): Promise<Knex> {
  const db = knexPkg({ client: ClientPGLite, connection: () => ({ pglite }) as unknown as Knex.StaticConnectionConfig });
  try {
    // Surface a broken snapshot here, where the caller can fall back, not in the first test.
    await db.raw('SELECT 1');
    return db;
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
}

async function migrationSourceHash(): Promise<string> {
  const storageDir = fileURLToPath(new URL('../storage/', import.meta.url));
  const migrationsDir = join(storageDir, 'migrations');
  const hash = createHash('sha256');
  const files = (await readdir(migrationsDir)).sort().map((name) => join(migrationsDir, name));
  for (const path of [join(storageDir, 'migration-source.ts'), ...files]) {
    hash.update(path.slice(storageDir.length));
    hash.update(await readFile(path).catch(() => Buffer.alloc(0)));
  }
  return hash.digest('hex').slice(0, 16);
}

async function withAdminClient<T>(serverUrl: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: serverUrl });
  try {
    await admin.connect();
  } catch (error) {
    const shown = new URL(serverUrl);
    if (shown.password !== '') shown.password = '***';
    throw new Error(
      `The PostgreSQL test server at ${shown.toString()} is not reachable (${String(error)}). ` +
        'Start it (pg_ctlcluster 15 main start) or point TEST_DATABASE_URL at one.',
      { cause: error },
    );
  }
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

function sanitizeLabel(label: string): string {
  const cleaned = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  // PostgreSQL identifiers stop at 63 bytes: jc_ + label + _ + 8 hex.
  return (cleaned === '' ? 'db' : cleaned).slice(0, 40);
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
