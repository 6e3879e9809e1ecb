import type { Knex } from 'knex';

/** What a repository function runs on: the integration's knex, or a transaction (the host's or ours). */
export type Db = Knex | Knex.Transaction;

/**
 * The result of `db.raw` on both drivers: `pg` returns its `Result`, knex-pglite a PGlite result
 * with `rowCount` copied from `affectedRows`. Repositories use raw SQL for every statement whose
 * row count matters, because knex-pglite's `.del()` returns the raw response instead of a count.
 */
interface RawResult<T> {
  rows?: T[];
  rowCount?: number | null;
  affectedRows?: number;
}

export async function queryRows<T>(db: Db, sql: string, bindings: readonly Knex.RawBinding[] = []): Promise<T[]> {
  const result = (await db.raw(sql, bindings as Knex.RawBinding[])) as RawResult<T>;
  return result.rows ?? [];
}

export async function execute(db: Db, sql: string, bindings: readonly Knex.RawBinding[] = []): Promise<number> {
  const result = (await db.raw(sql, bindings as Knex.RawBinding[])) as RawResult<unknown>;
  return result.rowCount ?? result.affectedRows ?? 0;
}

/** bigserial ids arrive from HTTP as strings; anything else is not an id of ours and matches nothing. */
export function isRowId(value: string): boolean {
  return /^[1-9][0-9]{0,17}$/.test(value);
}

/**
 * Rows as one JSON array parameter, read in SQL as `jsonb_to_recordset(CAST(? AS jsonb)) AS v(column
 * type, …)`: for statements over a page of rows. One `text[]` parameter per column instead has the pg
 * driver build array literals that escape every quote of every element again, which for the JSON
 * payloads is several times the page's size in short-lived strings (a 20,000-invite backfill
 * allocated 352 MB with text[] parameters, 121 MB with this).
 */
export function recordsParam(rows: readonly object[]): string {
  return JSON.stringify(rows);
}

/** `IN (?, ?, …)` placeholders for a non-empty list. */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

/** Runs `work` in a transaction of its own, or in `db` when it already is one. */
export async function inTransaction<T>(db: Db, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  // On single-connection PGlite the outer knex must not be used while a transaction is open, so
  // everything inside goes through `trx`; an existing transaction is simply reused.
  if (db.isTransaction) return work(db as Knex.Transaction);
  return db.transaction(work);
}
