import { createHash } from 'node:crypto';
import type { Logger } from '../ports/ports.js';
import knexPkg, { type Knex } from 'knex';
import { HubSpotKitError } from '../errors.js';
import type { Db } from './sql.js';

/**
 * True when `db` runs on knex-pglite: one connection for everything, so the outer knex must never
 * be used while a transaction is open, and PostgreSQL advisory locks cannot exclude anything (the
 * single session holds them all, re-entrantly).
 */
export function isSingleConnection(db: Db): boolean {
  const client = db.client as { pglite?: unknown; constructor?: { name?: string } };
  return client.pglite !== undefined || client.constructor?.name === 'ClientPGLiteImpl';
}

/** `lockLost`: the lock's session died while the task ran, so another process may have run it too. */
export type ExclusiveResult<T> = { ran: true; result: T; lockLost: boolean } | { ran: false };

export interface ExclusiveRunner {
  /**
   * Runs `task` unless another holder has the named lock; never waits for it. The lock is held
   * until the task settles, and released also when it throws (the error is rethrown).
   */
  runExclusive<T>(lockName: string, task: (lockSignal: AbortSignal) => Promise<T>): Promise<ExclusiveResult<T>>;
}

/** The raw `pg` client knex hands out from its pool. */
interface RawPgConnection {
  query(sql: string, values: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  end(): Promise<void>;
  on?(event: 'error' | 'end', listener: (...args: unknown[]) => void): unknown;
  off?(event: 'error' | 'end', listener: (...args: unknown[]) => void): unknown;
  __knex__disposed?: unknown;
}

/**
 * One leader per job across host processes.
 *
 * PostgreSQL: a session-level `pg_try_advisory_lock` taken on a connection acquired from knex's
 * pool and kept out of it for the whole task. The task itself uses other pool connections (it may
 * run for minutes and open transactions); the lock lives and dies with this one session, so a
 * crashed process can never leave it behind.
 *
 * PGlite: only one process can open the data directory, so an in-process set of held names on this
 * runner is the whole story. The integration creates one runner and shares it.
 */
export function createExclusiveRunner(db: Knex): ExclusiveRunner {
  if (isSingleConnection(db)) {
    const held = new Set<string>();
    return {
      async runExclusive(lockName, task) {
        if (held.has(lockName)) return { ran: false };
        held.add(lockName);
        try {
          // One process owns the data directory: this lock cannot be lost under the task.
          return { ran: true, result: await task(new AbortController().signal), lockLost: false };
        } finally {
          held.delete(lockName);
        }
      },
    };
  }

  return {
    async runExclusive(lockName, task) {
      const key = advisoryLockKey(lockName);
      const connection = (await db.client.acquireConnection()) as RawPgConnection;
      try {
        const attempt = await connection.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key]);
        if (attempt.rows[0]?.locked !== true) return { ran: false };
        // The lock lives as long as this session. If the session dies (server restart, network,
        // an admin's pg_terminate_backend) another process can take the lock: tell the task, so it
        // stops after its current batch, and tell the caller.
        const lost = new AbortController();
        const onLost = () => lost.abort(new HubSpotKitError('INTERNAL', `The "${lockName}" lock was lost with its database session`));
        connection.on?.('error', onLost);
        connection.on?.('end', onLost);
        try {
          const result = await task(lost.signal);
          return { ran: true, result, lockLost: lost.signal.aborted };
        } finally {
          connection.off?.('error', onLost);
          connection.off?.('end', onLost);
          await unlock(connection, key);
        }
      } finally {
        await db.client.releaseConnection(connection);
      }
    },
  };
}

export interface AdvisoryLockWaitOptions {
  /** How long to wait for another holder to finish before giving up. */
  timeoutMs: number;
}

/**
 * Runs `task` while holding the named lock, waiting (up to `timeoutMs`) for any other holder to
 * finish first, so concurrent callers run one after the other. PostgreSQL only: callers on PGlite
 * have no other process to wait for (see `isSingleConnection`).
 *
 * Like `runExclusive`, a session-level lock on a connection kept out of knex's pool for the whole
 * task (so the pool needs max >= 2: the task runs on the others). The wait is bounded by the
 * server's `lock_timeout`, set only for the short transaction that takes the lock: a session lock
 * taken inside a transaction outlives its commit, the setting does not, so nothing leaks into the
 * pooled connection. Throws HubSpotKitError 'INTERNAL' when the wait runs out.
 */
export async function withAdvisoryLock<T>(db: Knex, lockName: string, options: AdvisoryLockWaitOptions, task: () => Promise<T>): Promise<T> {
  const key = advisoryLockKey(lockName);
  const connection = (await db.client.acquireConnection()) as RawPgConnection;
  try {
    await waitForLock(connection, key, lockName, options.timeoutMs);
    try {
      return await task();
    } finally {
      await unlock(connection, key);
    }
  } finally {
    await db.client.releaseConnection(connection);
  }
}

async function waitForLock(connection: RawPgConnection, key: string, lockName: string, timeoutMs: number): Promise<void> {
  const timeout = `${Math.max(1, Math.ceil(timeoutMs))}ms`;
  await connection.query('BEGIN', []);
  try {
    // statement_timeout off for this transaction only: a host's shorter one must not cut the wait
    // short with a less clear error; lock_timeout alone bounds it.
    await connection.query("SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', '0', true)", [timeout]);
    await connection.query('SELECT pg_advisory_lock($1::bigint)', [key]);
    await connection.query('COMMIT', []);
  } catch (error) {
    await connection.query('ROLLBACK', []).catch(() => {
      // Still inside the transaction, or dead: either way the pool must not hand it out again.
      connection.__knex__disposed = connection.__knex__disposed ?? 'rollback failed';
    });
    if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE) {
      throw new HubSpotKitError(
        'INTERNAL',
        `Gave up after waiting ${Math.round(timeoutMs / 1000)} s for the "${lockName}" lock: another session has held it all that time ` +
          `(find it in pg_locks, locktype 'advisory', key ${key}).`,
        { cause: error, details: { lockName, lockKey: key, timeoutMs } },
      );
    }
    throw error;
  }
}

/** SQLSTATE 55P03: the wait for a lock ran past lock_timeout. */
const LOCK_NOT_AVAILABLE = '55P03';

async function unlock(connection: RawPgConnection, key: string): Promise<void> {
  try {
    await connection.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
  } catch {
    // The session may still hold the lock: end it (the server drops its locks with it) and mark the
    // connection disposed so knex's pool discards it instead of handing a lock-holding session out.
    connection.__knex__disposed = connection.__knex__disposed ?? 'advisory unlock failed';
    await connection.end().catch(() => undefined);
  }
}

/**
 * A stable signed 64-bit key for `pg_advisory_lock(bigint)`: the first 8 bytes of sha256(name).
 * Stable across processes and releases, which is the point; returned as a decimal string because
 * the value exceeds JavaScript's safe integers.
 */
export function advisoryLockKey(lockName: string): string {
  const digest = createHash('sha256').update(`jobcannon-hubspot:${lockName}`).digest();
  return digest.readBigInt64BE(0).toString();
}

export interface EmbeddedDatabaseOptions {
  /** Directory for the data files; omitted: in memory (lost on close). */
  dataDir?: string;
}

/**
 * A knex over embedded PostgreSQL (PGlite), the demo's zero-setup default. Async because
 * knex-pglite and @electric-sql/pglite are optional peers: they are loaded only when asked for, so
 * hosts on a real server never need them installed. PGlite starts lazily on the first query (2–5 s).
 * `db.destroy()` closes the PGlite instance too.
 */
export async function createEmbeddedDatabase(options: EmbeddedDatabaseOptions = {}): Promise<Knex> {
  let ClientPGLite: typeof knexPkg.Client;
  try {
    ClientPGLite = (await import('knex-pglite')).default;
  } catch (error) {
    throw new HubSpotKitError(
      'INVALID_OPTIONS',
      'The embedded database needs the optional packages "knex-pglite" and "@electric-sql/pglite"; install them or pass a PostgreSQL connection.',
      { cause: error },
    );
  }
  return knexPkg({
    client: ClientPGLite,
    // knex-pglite refuses a pool: it pins one connection itself.
    connection: options.dataDir === undefined ? {} : { filename: options.dataDir },
  });
}

export interface PostgresPoolOptions {
  min?: number;
  max?: number;
  /** Where knex's own warnings go (e.g. "Acquire connection error"); default knex's console output. */
  logger?: Logger;
}

/**
 * A knex over PostgreSQL through `pg`. `pool.max` should leave room for the lock connection that
 * `runExclusive` keeps for the length of a task (max >= 2).
 */
export function createPostgresDatabase(connectionString: string, pool: PostgresPoolOptions = {}): Knex {
  return knexPkg({
    client: 'pg',
    connection: connectionString,
    pool: { min: pool.min ?? 0, max: pool.max ?? 10 },
    ...(pool.logger ? { log: knexLog(pool.logger) } : {}),
  });
}

function knexLog(logger: Logger): Knex.Config['log'] {
  const text = (message: unknown) => (message instanceof Error ? message.message : String(message));
  return {
    warn: (message: unknown) => logger.warn(`knex: ${text(message)}`),
    error: (message: unknown) => logger.error(`knex: ${text(message)}`),
    deprecate: (method: string, alternative: string) => logger.warn(`knex: ${method} is deprecated, use ${alternative}`),
    debug: (message: unknown) => logger.debug(`knex: ${text(message)}`),
  };
}
