import path from 'node:path';
import { createEmbeddedDatabase, createPostgresDatabase } from '@jobcannon/hubspot-core';
import type { Knex } from 'knex';
import { StartupError } from './startup-error.js';

export type DatabaseTarget = { kind: 'postgres'; url: string } | { kind: 'embedded'; dataDir: string | null };

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens the demo's database and proves it answers before anything else starts, so a wrong
 * DATABASE_URL is one clear line at start-up instead of a stack trace at the first request.
 * `dataDir: null` is an in-memory PGlite (tests).
 */
export async function openDatabase(target: DatabaseTarget): Promise<Knex> {
  const db =
    target.kind === 'postgres'
      ? createPostgresDatabase(target.url)
      : await createEmbeddedDatabase(target.dataDir === null ? {} : { dataDir: path.join(target.dataDir, 'pglite') });
  // knex prints every failed pool acquire as a warning with a stack trace; during this one check the
  // message below says it all, so that warning is muted and restored right after.
  const knexLogger = (db.client as { logger?: { warn?: (message: string) => void } }).logger;
  const warn = knexLogger?.warn;
  if (knexLogger && warn) knexLogger.warn = () => {};
  try {
    await withTimeout(db.raw('select 1'), CONNECT_TIMEOUT_MS);
    return db;
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw new StartupError(describeConnectError(target, error), { cause: error });
  } finally {
    if (knexLogger && warn) knexLogger.warn = warn;
  }
}

function describeConnectError(target: DatabaseTarget, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  if (target.kind === 'embedded') {
    return `Could not open the embedded PostgreSQL in ${target.dataDir ?? 'memory'}: ${reason}\n` +
      '  Another demo process may be using the same .data directory (PGlite allows one), or it is damaged: stop the other process, or delete the directory to start afresh.';
  }
  return `Could not connect to DATABASE_URL (${redactUrl(target.url)}): ${reason}\n` +
    '  Check that the server is running and that the host, port, user, password and database name are right, or unset DATABASE_URL to use the embedded database.';
}

/** The URL without its password, so start-up errors can be pasted into a chat safely. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function withTimeout<T>(promise: PromiseLike<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
    Promise.resolve(promise).then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
