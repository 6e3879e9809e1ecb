// A backfill killed with SIGKILL halfway and resumed (issue 16): an org's past completed invites
// (past-invites.ts, deterministic, pages of 200, cursor = next index) are streamed into the outbox
// by a child process (backfill-worker.ts) that also drains; the parent kills it once about half the
// pages are queued and rows are leased (batches in flight), waits until the killed backend's
// advisory lock is gone (`runBackfill` turned away until then), resumes from the persisted cursor
// and drains until everything settled. Judged three ways: every past result in HubSpot with the
// rule's fields (verify(), with the main run), the source's pages read again after the kill (only
// the page in flight), and the upserts HubSpot received twice for one snapshot (only the page in
// flight and the rows the killed worker had leased).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createPostgresDatabase, normalizeEmail, type HubSpotIntegration } from '@jobcannon/hubspot-core';
import { connectOrg, createPostgresTestDatabase, createTestIntegration, startTestEmulator, type PostgresTestDatabase } from '@jobcannon/hubspot-core/test-support';
import type { Emulator, RequestLogEntry } from '@jobcannon/hubspot-emulator';
import type { BackfillWorkerSettings } from './backfill-worker.js';
import { collectState, countingLogger, setupOf } from './outages.js';
import { createPastInviteSource, cursorAt, pastInvites, type PageServed } from './past-invites.js';
import type { ActualContact, ExpectedEntry, FailureRecord, OfferedSnapshot } from './verify.js';
import type { OrgPortal } from './workload.js';

export interface BackfillKillFigures {
  candidates: number;
  /** Past completed invites in the host's source. */
  invites: number;
  pageSize: number;
  pages: number;
  /** What the database held when the child was killed. */
  atKill: {
    /** Invites queued (the persisted cursor's index). */
    queued: number;
    pagesQueued: number;
    /** The persisted cursor: where a resume starts (the page in flight). */
    cursor: string | null;
    /** Pages the child had read from the source. */
    pagesRead: number;
    /** Rows leased to the child (batches being pushed, or about to be), and those as upsert batches. */
    leased: number;
    batchesInFlight: number;
    pushed: number;
  };
  /** `runBackfill` calls turned away (ran: false) while the killed process's lock lingered, and how long that took. */
  turnedAway: number;
  /** Advisory locks of the run's database right after the kill, and when they were gone. */
  locksAfterKill: number;
  lockFreeAfterMs: number;
  /** Pages read more than once over both processes (at most one: the page in flight), and their cursors. */
  pagesReadTwice: number;
  pagesReadTwiceCursors: string[];
  /** Pages nobody read (must be 0). */
  pagesNeverRead: number;
  upsertRequests: number;
  /** Contact inputs HubSpot received in all (one per snapshot plus the re-sent ones). */
  upsertInputs: number;
  /** Snapshots (email + invite + completion) HubSpot received twice, and of those the ones explained by the kill. */
  sentTwice: number;
  sentTwiceFromPageInFlight: number;
  sentTwiceLeasedByKilled: number;
  /** Sent twice and explained by neither, or sent three times or more: must be 0. */
  sentTwiceBeyond: number;
  sentMoreThanTwice: number;
  resumeMs: number;
  durationMs: number;
}

export interface BackfillKillResult {
  expected: ExpectedEntry[];
  contacts: ActualContact[];
  failures: FailureRecord[];
  requests: RequestLogEntry[];
  figures: BackfillKillFigures;
  unsettled: number;
}

const ORG: OrgPortal = { orgId: 'org-backfill-kill', hubId: 6001 };
const CHILD_ID = 'backfill-doomed';
/** HubSpot's batch upsert takes 100 contacts (the kit's MAX_BATCH_SIZE). */
const UPSERT_BATCH = 100;
const PARENT_ID = 'backfill-resumer';
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const workerScript = fileURLToPath(new URL('./backfill-worker.ts', import.meta.url));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Db = ReturnType<typeof createPostgresDatabase>;

interface ChildHandle {
  events: Array<Record<string, unknown>>;
  kill: () => void;
  /** Resolves once the process exited and its stdout is read to the end. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive: () => boolean;
  stderr: () => string;
}

function startChild(settings: BackfillWorkerSettings, onEvent: (event: Record<string, unknown>) => void): ChildHandle {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@jobcannon/source', workerScript], {
    cwd: repoRoot,
    env: { ...process.env, CHAOS_BACKFILL_SETTINGS: JSON.stringify(settings) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Array<Record<string, unknown>> = [];
  let buffered = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      let event: Record<string, unknown> | null = null;
      try {
        event = JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>;
      } catch {
        // not one of ours
      }
      if (event) {
        events.push(event);
        onEvent(event);
      }
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return {
    events,
    kill: () => child.kill('SIGKILL'),
    closed,
    alive: () => child.exitCode === null && child.signalCode === null,
    stderr: () => stderr,
  };
}

async function count(db: Db, build: (query: ReturnType<Db>) => ReturnType<Db>): Promise<number> {
  const rows = (await build(db('hubspot_outbox')).count('* as n')) as Array<{ n: unknown }>;
  return Number(rows[0]?.n ?? 0);
}

/** Upsert inputs HubSpot accepted, per snapshot (normalised email, invite id, completion time). */
export function upsertsPerSnapshot(requests: readonly RequestLogEntry[]): { requests: number; inputs: number; perSnapshot: Map<string, number> } {
  const perSnapshot = new Map<string, number>();
  let upsertRequests = 0;
  let inputs = 0;
  for (const entry of requests) {
    if (entry.route !== 'contacts.batchUpsert' || entry.status >= 400) continue;
    upsertRequests += 1;
    const body = entry.requestBody as { inputs?: Array<{ id?: unknown; properties?: Record<string, unknown> }> } | undefined;
    for (const input of body?.inputs ?? []) {
      inputs += 1;
      const key = snapshotKey(String(input.id ?? ''), String(input.properties?.jc_invitation_id ?? ''), String(input.properties?.jc_completed_at ?? ''));
      perSnapshot.set(key, (perSnapshot.get(key) ?? 0) + 1);
    }
  }
  return { requests: upsertRequests, inputs, perSnapshot };
}

export function snapshotKey(email: string, inviteId: string, completedAt: string): string {
  return `${normalizeEmail(email)}\u0000${inviteId}\u0000${completedAt}`;
}

/** Cursors read more than once, and pages never read, of a source of `pages` pages of `pageSize`. */
export function pageReads(served: readonly PageServed[], pages: number, pageSize: number): { readTwice: string[]; neverRead: number } {
  const reads = new Map<string, number>();
  for (const page of served) reads.set(page.cursor, (reads.get(page.cursor) ?? 0) + 1);
  let neverRead = 0;
  for (let page = 0; page < pages; page += 1) if (!reads.has(cursorAt(page * pageSize) ?? 'start')) neverRead += 1;
  return { readTwice: [...reads.entries()].filter(([, n]) => n > 1).map(([cursor]) => cursor), neverRead };
}

export async function runBackfillKill(options: { seed: number; quick: boolean; event: (label: string) => void; check: (name: string, ok: boolean, detail: string) => void }): Promise<BackfillKillResult> {
  const began = Date.now();
  const candidates = options.quick ? 3_000 : 20_000;
  const pageSize = 200;
  const { workload, invites } = pastInvites({ org: ORG, candidates, seed: options.seed + 3 });
  const pages = Math.ceil(invites.length / pageSize);
  const emulator: Emulator = await startTestEmulator({
    seed: options.seed,
    portals: [{ hubId: ORG.hubId, domain: 'backfill.hubspot.com', name: 'Backfill', userEmail: 'admin@backfill.com', userId: 9300 }],
    contacts: { emailMatching: 'strict' },
    // The kit's own budget paces it; HubSpot's limit is not what this run is about.
    rateLimit: { max: 10_000 },
    requestLogLimit: 200_000,
  });
  let database: PostgresTestDatabase | null = null;
  let db: Db | null = null;
  let integration: HubSpotIntegration | null = null;
  let child: ChildHandle | null = null;
  const warnings: Record<string, number> = {};
  try {
    database = await createPostgresTestDatabase(options.quick ? 'chaos_backfill_quick' : 'chaos_backfill');
    db = createPostgresDatabase(database.connectionString, { max: 6, logger: countingLogger(warnings) });
    const pool = db;
    const databaseName = database.databaseName;
    const served: PageServed[] = [];
    const parentSource = createPastInviteSource(invites, { pageSize, onPage: (page) => served.push(page) });
    integration = createTestIntegration(pool, emulator, { workerId: PARENT_ID, requestTimeoutMs: 5_000, logger: countingLogger(warnings), backfill: { source: parentSource, mode: 'offered' } });
    const parent = integration;
    await parent.migrate();
    await setupOf(await connectOrg(parent, emulator, { orgId: ORG.orgId, hubId: ORG.hubId }));
    emulator.clearRequests();
    emulator.resetCounters();
    // Every upsert waits a little at HubSpot, so the kill surely lands with a batch in flight.
    emulator.setFaults([{ route: 'contacts.batchUpsert', latencyMs: 60 }]);

    // ---- the doomed process: starts the backfill and drains, until it is killed halfway ----
    // Armed once half the pages are queued and rows are leased to it (batches in flight); it dies
    // the moment it reports reading the next page, so that page is in flight (being queued) at the
    // kill. Polled and event-driven, no fixed sleep; at three quarters queued it is killed anyway.
    let armed = false;
    let killed = false;
    let killedAt = 0;
    const kill = () => {
      if (killed) return;
      killed = true;
      killedAt = Date.now();
      child?.kill();
    };
    child = startChild(
      {
        databaseUrl: database.connectionString,
        emulatorUrl: emulator.url,
        workerId: CHILD_ID,
        org: ORG,
        candidates,
        seed: options.seed + 3,
        pageSize,
        pauseMs: options.quick ? 40 : 15,
        leaseMs: 2_000,
        requestTimeoutMs: 5_000,
      },
      (message) => {
        if (armed && message.event === 'page') kill();
      },
    );
    const doomed = child;
    const queuedNow = async () => {
      const row = (await pool('hubspot_backfills').where({ org_id: ORG.orgId }).first('cursor', 'status')) as { cursor: string | null; status: string } | undefined;
      return row?.status === 'running' && row.cursor !== null ? Number(row.cursor) : 0;
    };
    const advisoryLocks = async () => {
      const result = await pool.raw(`SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = ?`, [databaseName]);
      return Number((result.rows as Array<{ n: number }>)[0]?.n ?? 0);
    };
    const killDeadline = Date.now() + 120_000;
    while (doomed.alive() && !killed && Date.now() < killDeadline) {
      const queued = await queuedNow();
      if (!armed && queued >= invites.length / 2 && (await count(pool, (q) => q.where({ lease_owner: CHILD_ID }))) > 0) armed = true;
      if (queued >= (invites.length * 3) / 4) kill();
      await sleep(10);
    }
    // Looked at before the exit is even reported: the killed backends may still hold their locks.
    const locksAfterKill = await advisoryLocks();
    const exit = await doomed.closed;
    const row = (await pool('hubspot_backfills').where({ org_id: ORG.orgId }).first('cursor', 'status', 'enqueued')) as { cursor: string | null; status: string; enqueued: number | string };
    const queued = row.cursor === null ? (row.status === 'running' ? 0 : invites.length) : Number(row.cursor);
    const leasedRows = (await pool('hubspot_outbox').where({ lease_owner: CHILD_ID }).select('email')) as Array<{ email: string }>;
    const pushedAtKill = await count(pool, (q) => q.where({ status: 'done' }));
    const childPages = doomed.events.filter((entry) => entry.event === 'page').map((entry) => ({ cursor: String(entry.cursor), from: Number(entry.from), to: Number(entry.to) }));
    const finishedEarly = doomed.events.some((entry) => entry.event === 'backfill-finished');
    options.event(
      `backfill: child ${killed ? 'SIGKILLed' : `NOT killed (exit ${exit.code ?? exit.signal})`} with ${queued} of ${invites.length} past invites queued (${Math.round(queued / pageSize)} of ${pages} pages), ${leasedRows.length} rows leased to it, ${pushedAtKill} pushed`,
    );

    // ---- the resume: this process, once PostgreSQL dropped the killed backend's advisory lock ----
    // (the server ends a backend whose client is gone; until then the lock would turn a resume away).
    const lockDeadline = Date.now() + 30_000;
    while ((await advisoryLocks()) > 0 && Date.now() < lockDeadline) await sleep(20);
    const lockFreeAfterMs = Date.now() - killedAt;
    const stopDrain = new AbortController();
    const drainErrors: string[] = [];
    const draining = (async () => {
      while (!stopDrain.signal.aborted) {
        try {
          const result = await parent.drain({ signal: stopDrain.signal });
          if (result.pushed + result.failed + result.retried === 0) await sleep(50);
        } catch (error) {
          if (stopDrain.signal.aborted) break;
          drainErrors.push((error as Error).message.slice(0, 200));
          await sleep(100);
        }
      }
    })();
    // The lock is gone, so the first run should go ahead; one that is turned away is counted and retried.
    let turnedAway = 0;
    let resumed: Awaited<ReturnType<HubSpotIntegration['runBackfill']>> | null = null;
    while (Date.now() < lockDeadline + 10_000) {
      const attempt = await parent.runBackfill(ORG.orgId);
      if (attempt.ran) {
        resumed = attempt;
        break;
      }
      turnedAway += 1;
      await sleep(50);
    }
    const unsettledRows = () => count(pool, (q) => q.where({ status: 'pending' }).orWhereNotNull('lease_owner'));
    const settleDeadline = Date.now() + (options.quick ? 60_000 : 5 * 60_000);
    while (Date.now() < settleDeadline && (await unsettledRows()) > 0) await sleep(100);
    stopDrain.abort();
    await draining;
    const resumeMs = Date.now() - killedAt;
    const unsettled = await unsettledRows();
    const status = (await parent.status(ORG.orgId)).backfill;
    options.event(`backfill: killed process's advisory locks (${locksAfterKill} held when looked at right after the kill) gone ${lockFreeAfterMs} ms after it, resumed with ${turnedAway} runs turned away, state ${status?.state}, ${status?.pushed} pushed, settled ${resumeMs} ms after the kill`);

    // ---- what was read and sent twice ----
    const { readTwice, neverRead } = pageReads([...childPages, ...served], pages, pageSize);
    const requests = emulator.requests();
    const upserts = upsertsPerSnapshot(requests);
    const inFlightPage = new Set(invites.slice(queued, queued + pageSize).map((invite) => normalizeEmail(invite.email)));
    const leased = new Set(leasedRows.map((entry) => entry.email));
    let sentTwice = 0;
    let fromPage = 0;
    let fromLeased = 0;
    let beyond = 0;
    let moreThanTwice = 0;
    for (const [key, times] of upserts.perSnapshot) {
      if (times < 2) continue;
      if (times > 2) moreThanTwice += 1;
      sentTwice += 1;
      const email = key.split('\u0000')[0]!;
      if (inFlightPage.has(email)) fromPage += 1;
      else if (leased.has(email)) fromLeased += 1;
      else beyond += 1;
    }
    const offered = new Map<string, OfferedSnapshot[]>();
    invites.forEach((invite, seq) => {
      const key = `${invite.orgId}\u0000${normalizeEmail(invite.email)}`;
      offered.set(key, [...(offered.get(key) ?? []), { invite, seq }]);
    });
    const state = await collectState(parent, emulator, workload, offered);
    const figures: BackfillKillFigures = {
      candidates,
      invites: invites.length,
      pageSize,
      pages,
      atKill: { queued, pagesQueued: Math.round(queued / pageSize), cursor: row.cursor, pagesRead: childPages.length, leased: leasedRows.length, batchesInFlight: Math.ceil(leasedRows.length / UPSERT_BATCH), pushed: pushedAtKill },
      turnedAway,
      locksAfterKill,
      lockFreeAfterMs,
      pagesReadTwice: readTwice.length,
      pagesReadTwiceCursors: readTwice,
      pagesNeverRead: neverRead,
      upsertRequests: upserts.requests,
      upsertInputs: upserts.inputs,
      sentTwice,
      sentTwiceFromPageInFlight: fromPage,
      sentTwiceLeasedByKilled: fromLeased,
      sentTwiceBeyond: beyond,
      sentMoreThanTwice: moreThanTwice,
      resumeMs,
      durationMs: Date.now() - began,
    };
    // Halfway: at least one page queued and at least one left, so the resume had work on both sides.
    const halfway = killed && !finishedEarly && exit.signal === 'SIGKILL' && queued >= pageSize && queued < invites.length;
    const pagesOk = neverRead === 0 && readTwice.length <= 1 && readTwice.every((cursor) => cursor === (cursorAt(queued) ?? 'start'));
    const sentOk = beyond === 0 && moreThanTwice === 0 && sentTwice <= leasedRows.length + pageSize;
    const resumedOk = resumed !== null && status?.state === 'done' && unsettled === 0 && state.failures.length === 0 && drainErrors.length === 0;
    options.check(
      'backfill killed with SIGKILL halfway and resumed',
      halfway && pagesOk && sentOk && resumedOk,
      `${killed ? 'SIGKILLed' : 'not killed'}${finishedEarly ? ' (too late: the child had finished)' : ''} with ${queued} of ${invites.length} past invites queued (${figures.atKill.pagesQueued} of ${pages} pages of ${pageSize}), ${leasedRows.length} rows leased to it (${Math.ceil(leasedRows.length / UPSERT_BATCH)} batches in flight); ` +
        `resumed by runBackfill once the killed backend's advisory locks were gone (${locksAfterKill} right after the kill, 0 after ${lockFreeAfterMs} ms; ${turnedAway} runs turned away): ${status?.state ?? 'no status'}, ${unsettled} unsettled, ${state.failures.length} failed; ` +
        `pages read twice ${readTwice.length} (${readTwice.join(', ') || 'none'}; the page in flight starts at ${cursorAt(queued) ?? 'start'}), never read ${neverRead}; ` +
        `snapshots sent twice ${sentTwice} (page in flight ${fromPage}, leased by the killed worker ${fromLeased}, beyond those ${beyond}), three times or more ${moreThanTwice}; ${upserts.inputs} contact inputs in ${upserts.requests} upserts for ${invites.length} invites` +
        `${drainErrors.length > 0 ? `; drain errors: ${drainErrors.slice(0, 3).join('; ')}` : ''}` +
        `${exit.signal === 'SIGKILL' ? '' : `; child exit ${exit.code ?? exit.signal}: ${doomed.stderr().slice(-300)}`}`,
    );
    return { ...state, requests, figures, unsettled };
  } finally {
    child?.kill();
    await child?.closed;
    await integration?.close().catch(() => undefined);
    await db?.destroy().catch(() => undefined);
    await emulator.close();
    await database?.drop().catch(() => undefined);
  }
}
