// Shared set-up for the delivery benches: a throwaway PostgreSQL database, the integration wired to
// a (child-process) emulator the way a host wires it to HubSpot, OAuth connects, bulk enqueue, and a
// few measuring helpers.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_APP } from '@jobcannon/hubspot-emulator';
import { createHubSpotIntegration, type AssessmentInvite, type HubSpotIntegration, type HubSpotIntegrationOptions } from '@jobcannon/hubspot-core';
import {
  TEST_BROWSER_NONCE,
  TEST_ENCRYPTION_KEY,
  TEST_REDIRECT_URI,
  TEST_RESULT_URL_BASE,
  createPostgresTestDatabase,
  type PostgresTestDatabase,
} from '@jobcannon/hubspot-core/test-support';
import type { FreshProcessReply, FreshProcessTask } from './fresh-process-child.js';
import type { RemoteEmulator } from './remote-emulator.js';

export interface Kit {
  database: PostgresTestDatabase;
  integration: HubSpotIntegration;
  /** Closes the integration and opens another over the same database (fresh in-memory limiters). */
  reopen(overrides?: Partial<HubSpotIntegrationOptions>): Promise<HubSpotIntegration>;
  /** Closes the integration, then drops the database. */
  close(): Promise<void>;
}

/**
 * A fresh migrated database and an integration over it, configured as createTestIntegration does
 * (the emulator's default app, the test key) but with production defaults otherwise (30 s request
 * timeout); createTestIntegration itself wants an in-process Emulator, this one is a child process.
 */
export async function openKit(label: string, emulator: RemoteEmulator, overrides: Partial<HubSpotIntegrationOptions> = {}): Promise<Kit> {
  const database = await createPostgresTestDatabase(label);
  const create = (more: Partial<HubSpotIntegrationOptions>) => createHubSpotIntegration(kitOptions(database.db, emulator.url, more));
  let integration: HubSpotIntegration | undefined;
  try {
    integration = create(overrides);
    await integration.migrate();
  } catch (error) {
    await integration?.close().catch(() => undefined);
    await database.drop();
    throw error;
  }
  const kit: Kit = {
    database,
    integration,
    async reopen(more = {}) {
      await kit.integration.close();
      kit.integration = create({ ...overrides, ...more });
      return kit.integration;
    },
    async close() {
      try {
        await kit.integration.close();
      } finally {
        await database.drop();
      }
    },
  };
  return kit;
}

/** The options every bench integration uses (the drain children's too): the emulator's default app, the test key. */
export function kitOptions(db: HubSpotIntegrationOptions['db'], emulatorUrl: string, more: Partial<HubSpotIntegrationOptions> = {}): HubSpotIntegrationOptions {
  return {
    db,
    hubspot: { clientId: DEFAULT_APP.clientId, clientSecret: DEFAULT_APP.clientSecret, redirectUri: TEST_REDIRECT_URI, apiBase: emulatorUrl, authBase: emulatorUrl },
    encryption: { currentKeyId: 'test', keys: { test: TEST_ENCRYPTION_KEY } },
    resultUrlBase: TEST_RESULT_URL_BASE,
    pushOnEnqueue: false,
    ...more,
  };
}

/** Enqueues in transactions of `size` (a host's bulk import), `concurrency` transactions at a time: far quicker than one call each. */
export async function enqueueInTransactions(integration: HubSpotIntegration, db: PostgresTestDatabase['db'], invites: readonly AssessmentInvite[], size = 500, concurrency = 4): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < invites.length) {
      const chunk = invites.slice(next, (next += size));
      await db.transaction(async (trx) => {
        for (const invite of chunk) {
          const outcome = await integration.enqueue(invite, trx);
          if (!outcome.queued || 'failed' in outcome) throw new Error(`invite ${invite.id} was not queued: ${JSON.stringify(outcome)}`);
        }
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** connectOrg from the test harness, with the consent step over IPC: our connect URL, the emulator's consent, our callback. */
export async function connect(integration: HubSpotIntegration, emulator: RemoteEmulator, orgId: string, hubId: number): Promise<void> {
  const url = new URL(await integration.connectUrl({ orgId, userId: 'bench-admin', browserNonce: TEST_BROWSER_NONCE }));
  const state = url.searchParams.get('state') ?? '';
  const consent = await emulator.authorize({
    redirectUri: url.searchParams.get('redirect_uri') ?? TEST_REDIRECT_URI,
    scope: (url.searchParams.get('scope') ?? '').split(' '),
    state,
    hubId,
  });
  const result = await integration.completeOAuth({ code: consent.code ?? null, state, expectedOrgId: orgId, expectedUserId: 'bench-admin', browserNonce: TEST_BROWSER_NONCE });
  // The property setup runs in the background; a bench wants the portal ready before it measures.
  const setup = await result.setup;
  if (!setup.ok) throw new Error(`bootstrap of portal ${hubId} failed: ${JSON.stringify(setup)}`);
}

/** Enqueues through integration.enqueue with a few calls in flight (the pool holds 10 connections). */
export async function enqueueAll(integration: HubSpotIntegration, invites: readonly AssessmentInvite[], concurrency = 8): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < invites.length) {
      const invite = invites[next++]!;
      const outcome = await integration.enqueue(invite);
      if (!outcome.queued || 'failed' in outcome) throw new Error(`invite ${invite.id} was not queued: ${JSON.stringify(outcome)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable with the emulator child's. */
export const wallNow = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The p-th percentile (0..100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

/** Samples this process's RSS until stopped; returns the peak in bytes. */
export function sampleRss(everyMs = 50): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

const freshProcessChild = fileURLToPath(new URL('./fresh-process-child.ts', import.meta.url));

/**
 * Calls `exportName(...args)` of the module at `moduleUrl` (a file URL) in a new child process with
 * this process's loader flags, and resolves with its (JSON) result. For figures about the memory of
 * the process doing the work: a peak RSS measured in the bench process depends on what ran there
 * before (V8 lets a heap that others left big fill with more garbage before it collects).
 */
export function inFreshProcess<T>(moduleUrl: string, exportName: string, args: unknown[] = []): Promise<T> {
  const task: FreshProcessTask = { module: moduleUrl, exportName, args };
  const child = fork(freshProcessChild, [JSON.stringify(task)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise<T>((resolve, reject) => {
    let reply: FreshProcessReply | undefined;
    child.once('message', (message: FreshProcessReply) => (reply = message));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (reply?.ok) resolve(reply.value as T);
      else reject(new Error(reply ? `${exportName} in a fresh process failed: ${reply.error}` : `the process running ${exportName} exited (code ${code}, signal ${signal}) without a result`));
    });
  });
}

const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time (µs) the PostgreSQL server processes serving `databaseName` have used so far, read from
 * /proc (Linux; null elsewhere). Backends that exited before the call are not counted.
 */
export async function postgresCpuMicros(database: PostgresTestDatabase): Promise<Map<number, number> | null> {
  if (process.platform !== 'linux') return null;
  const result = (await database.db.raw('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')) as { rows: Array<{ pid: number }> };
  const byPid = new Map<number, number>();
  for (const { pid } of result.rows) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the parenthesised command: state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byPid.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS_PER_SECOND);
    } catch {
      return null;
    }
  }
  return byPid;
}

/** CPU (µs) used between two postgresCpuMicros readings; new backends count from zero. */
export function postgresCpuBetween(before: Map<number, number> | null, after: Map<number, number> | null): number | null {
  if (!before || !after) return null;
  let total = 0;
  for (const [pid, micros] of after) total += micros - (before.get(pid) ?? 0);
  return total;
}

export const cpuMicros = (usage: NodeJS.CpuUsage): number => usage.user + usage.system;

export interface QueryStats {
  count: number;
  /** Sum of the queries' own durations (ms): they overlap when several run at once. */
  totalMs: number;
  /** By statement kind and table, e.g. "UPDATE hubspot_outbox". */
  byKind: Record<string, { count: number; totalMs: number }>;
}

/** Counts and times the queries knex sends (its query / query-response events) until stopped. */
export function watchQueries(db: PostgresTestDatabase['db']): { stop(): QueryStats } {
  const started = new Map<string, { kind: string; at: number }>();
  const stats: QueryStats = { count: 0, totalMs: 0, byKind: {} };
  const kindOf = (sql: string): string => {
    if (/SKIP LOCKED/i.test(sql) && /^\s*UPDATE/i.test(sql)) return 'claim (UPDATE … SKIP LOCKED)';
    const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '?';
    const table = /\b(?:from|into|update|join)\s+"?(\w+)"?/i.exec(sql)?.[1] ?? '';
    return `${verb} ${table}`.trim();
  };
  const onQuery = (query: { __knexQueryUid: string; sql: string }) => started.set(query.__knexQueryUid, { kind: kindOf(query.sql), at: performance.now() });
  const onDone = (_response: unknown, query: { __knexQueryUid: string }) => {
    const entry = started.get(query.__knexQueryUid);
    if (!entry) return;
    started.delete(query.__knexQueryUid);
    const ms = performance.now() - entry.at;
    stats.count += 1;
    stats.totalMs += ms;
    const kind = (stats.byKind[entry.kind] ??= { count: 0, totalMs: 0 });
    kind.count += 1;
    kind.totalMs += ms;
  };
  const onError = (_error: unknown, query: { __knexQueryUid: string }) => onDone(undefined, query);
  db.on('query', onQuery).on('query-response', onDone).on('query-error', onError);
  return {
    stop() {
      db.off('query', onQuery).off('query-response', onDone).off('query-error', onError);
      return stats;
    },
  };
}
