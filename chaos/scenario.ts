// The chaos run: a seeded workload pushed through the real path (outbox in PostgreSQL → drain
// workers in this and other processes → official client → emulator over HTTP) while HubSpot, the
// workers and the database misbehave, then the emulator's contacts compared field by field with
// what the rules say must be there. Parameterised by size, seed and quick; run.ts and
// chaos.integration.test.ts drive it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  createPostgresDatabase,
  normalizeEmail,
  type AssessmentInvite,
  type HubSpotIntegration,
  type InProgressInviteSource,
  type Logger,
} from '@jobcannon/hubspot-core';
import {
  connectOrg,
  createPostgresTestDatabase,
  createTestIntegration,
  startTestEmulator,
  testServerUrl,
  type PostgresTestDatabase,
} from '@jobcannon/hubspot-core/test-support';
import type { Emulator, FaultRule, RequestLogEntry } from '@jobcannon/hubspot-emulator';
import { startSweep, type RunSummary, type Sweep } from '@jobcannon/hubspot-sweep';
import {
  summarizeErrors,
  verify,
  type ErrorSummary,
  type LoggedRequest,
  type OfferedSnapshot,
  type PropertyDeletionWindow,
  type Verdict,
} from './verify.js';
import { collectContacts, collectFailures, expectedEntries, runOutages, setupOf, type OutageFigures } from './outages.js';
import { runBackfillKill, type BackfillKillFigures } from './backfill-kill.js';
import { runSharedPortal, type SharedPortalFigures } from './shared-portal.js';
import { CANDIDATE_KINDS, buildWorkload, snapshotsAt, type Candidate, type CandidateKind, type OrgPortal, type PlannedSnapshot, type Stage } from './workload.js';

type Db = ReturnType<typeof createPostgresDatabase>;

export interface ScenarioOptions {
  /** Candidates in total (each gets one to three snapshots). */
  invites: number;
  seed: number;
  /** The `--quick` variant: fewer slices and invalid emails, shorter waits. */
  quick: boolean;
  /**
   * Really restart the PostgreSQL server (pg_ctlcluster). Otherwise every backend of the run's own
   * database is terminated, which is what a restart looks like to the app without touching the
   * suites that share the server.
   */
  restartPostgres: boolean;
  /** Orgs, each connected to its own portal. Default 3. */
  orgs?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface ScenarioCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface TimelineEvent {
  /** Seconds since the run started. */
  t: number;
  label: string;
}

export interface ThroughputSample {
  t: number;
  /** Contacts created in HubSpot so far (all portals). */
  contacts: number;
  /** Contact writes (created + updated) so far. */
  writes: number;
}

export interface ChaosOutcome {
  options: Required<Omit<ScenarioOptions, 'log'>>;
  durationMs: number;
  candidates: number;
  candidatesByKind: Record<CandidateKind, number>;
  snapshotsOffered: number;
  verdict: Verdict;
  errors: ErrorSummary;
  /** The emulator's own counters (totals): requests, errors (faults included), error ratio. */
  emulatorTotals: { requests: number; errors: number; faults: number; rateLimited: number; errorRatio: number };
  /** Rows not settled (pending or leased) when the run gave up waiting. */
  unsettled: number;
  checks: ScenarioCheck[];
  timeline: TimelineEvent[];
  samples: ThroughputSample[];
  enqueue: { queued: number; stale: number; partialAfterCompleted: number; failedAtEnqueue: number; retriedTransactions: number };
  /** The two concurrent partial sweeps (startSweep(...).runNow('partial') on two integrations). */
  sweeps: { ran: number; summaries: RunSummary[] };
  drains: { main: DrainTotals; workers: Record<string, Record<string, unknown>> };
  syncLog: Record<string, number>;
  warnings: Record<string, number>;
  /** The long disruptions on a simulated clock (outages.ts): what they measured, and their own error summary. */
  outages: { figures: OutageFigures; errors: ErrorSummary; durationMs: number; candidates: number };
  /** Several instances on one portal at HubSpot's real limit (shared-portal.ts): the 429 figure. */
  sharedPortal: SharedPortalFigures & { candidates: number };
  /** A backfill SIGKILLed halfway and resumed (backfill-kill.ts): pages read again, snapshots sent twice, and its own error summary. */
  backfillKill: BackfillKillFigures & { errors: ErrorSummary };
  /** True when every invariant holds; `failures` says which did not. */
  ok: boolean;
  failures: string[];
}

interface DrainTotals {
  pushed: number;
  failed: number;
  retried: number;
  held: number;
  rounds: number;
  roundErrors: number;
}

const DELETED_PROPERTY = 'jc_disc_d';
const FAULT_KINDS: NonNullable<FaultRule['kinds']> = [429, 500, 502, 503, 504, 423, 'reset', 'timeout'];

/** Integration settings every worker shares: short timeouts and backoff keep a faulty run bounded. */
const WORKER_SETTINGS = { leaseMs: 15_000, requestTimeoutMs: 1_500, retry: { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 4_000 } };
/** The worker that is SIGKILLed: a short lease so its rows come back quickly. */
const DOOMED_LEASE_MS = 2_000;

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const workerScript = fileURLToPath(new URL('./drain-worker.ts', import.meta.url));
const execFileAsync = promisify(execFile);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** A timeout to race against: unref'd, so a race that was won does not keep the process alive. */
const deadline = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Polls `condition` until it holds or the time is up; errors (a restarting database) count as "not yet". */
async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await condition()) return true;
    } catch {
      // The database may be restarting; keep asking until the deadline.
    }
    if (Date.now() >= until) return false;
    await sleep(everyMs);
  }
}

// ---- child workers ------------------------------------------------------------------------------

interface WorkerHandle {
  id: string;
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  events: Array<Record<string, unknown>>;
  stderr: () => string;
}

function startWorker(id: string, env: { databaseUrl: string; emulatorUrl: string; leaseMs: number }): WorkerHandle {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@jobcannon/source', workerScript], {
    cwd: repoRoot,
    env: {
      ...process.env,
      CHAOS_WORKER_ID: id,
      CHAOS_DATABASE_URL: env.databaseUrl,
      CHAOS_EMULATOR_URL: env.emulatorUrl,
      CHAOS_WORKER_SETTINGS: JSON.stringify({ ...WORKER_SETTINGS, leaseMs: env.leaseMs }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Array<Record<string, unknown>> = [];
  let buffered = '';
  let stderr = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      try {
        const event = JSON.parse(line) as Record<string, unknown>;
        events.push(event);
        if (event.event === 'ready') markReady();
      } catch {
        // not one of ours
      }
      newline = buffered.indexOf('\n');
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { id, child, ready, exited, events, stderr: () => stderr };
}

async function stopWorker(worker: WorkerHandle, timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return worker.exited;
  worker.child.kill('SIGTERM');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), timeoutMs);
  try {
    return await worker.exited;
  } finally {
    clearTimeout(timer);
  }
}

// ---- the run ------------------------------------------------------------------------------------

function countingLogger(counts: Record<string, number>): Logger {
  const count = (level: string) => (message: string) => {
    const name = `${level}: ${message}`;
    counts[name] = (counts[name] ?? 0) + 1;
  };
  return { debug() {}, info() {}, warn: count('warn'), error: count('error') };
}

function postgresVersion(): string {
  const versions = readdirSync('/etc/postgresql').filter((name) => /^\d+$/.test(name));
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions[0] === undefined) throw new Error('no PostgreSQL cluster under /etc/postgresql');
  return versions[0];
}

function toLoggedRequest(entry: RequestLogEntry): LoggedRequest {
  const at = Date.parse(entry.at);
  const request: LoggedRequest = { route: entry.route, status: entry.status, at, sentAt: at - entry.durationMs };
  if (entry.hubId !== undefined) request.hubId = entry.hubId;
  if (entry.fault !== undefined) request.fault = entry.fault;
  if (entry.route === 'contacts.batchUpsert' && entry.status === 400) {
    const inputs = (entry.requestBody as { inputs?: Array<{ id?: unknown }> } | undefined)?.inputs ?? [];
    request.invalidEmailInBody = inputs.some((input) => /\.con$/i.test(String(input.id ?? '').trim()));
  }
  return request;
}

export async function runScenario(input: ScenarioOptions): Promise<ChaosOutcome> {
  const options = { invites: input.invites, seed: input.seed, quick: input.quick, restartPostgres: input.restartPostgres, orgs: input.orgs ?? 3 };
  const log = input.log ?? (() => {});
  const startedAt = Date.now();
  const elapsed = () => Math.round((Date.now() - startedAt) / 100) / 10;
  const timeline: TimelineEvent[] = [];
  const event = (label: string) => {
    timeline.push({ t: elapsed(), label });
    log(`[${elapsed().toFixed(1)}s] ${label}`);
  };
  const checks: ScenarioCheck[] = [];
  const check = (name: string, ok: boolean, detail: string) => {
    checks.push({ name, ok, detail });
    log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
  };

  const orgs: OrgPortal[] = Array.from({ length: options.orgs }, (_, index) => ({ orgId: `org-chaos-${String.fromCharCode(97 + index)}`, hubId: 3001 + index }));
  const slices = options.quick ? 10 : 20;
  const workload = buildWorkload({ invites: options.invites, seed: options.seed, orgs, slices, invalidTotal: options.quick ? 2 : 6 });
  const reconnectOrg = orgs[1 % orgs.length]!;
  const propertyOrg = orgs[2 % orgs.length]!;

  const emulator: Emulator = await startTestEmulator({
    seed: options.seed,
    portals: orgs.map((org, index) => ({ hubId: org.hubId, domain: `chaos-${index}.hubspot.com`, name: `Chaos ${index}`, userEmail: `admin@chaos-${index}.com`, userId: 9000 + index })),
    // Stored as sent: a client that forgot to normalise an email would create a second contact.
    contacts: { emailMatching: 'strict' },
    requestLogLimit: 1_000_000,
  });
  let database: PostgresTestDatabase | null = null;
  let mainDb: Db | null = null;
  let sweeperDb: Db | null = null;
  const integrations: HubSpotIntegration[] = [];
  const workers: WorkerHandle[] = [];
  const sweeps: Sweep[] = [];
  const timers: NodeJS.Timeout[] = [];
  const stopLoops = new AbortController();
  const loops: Array<Promise<void>> = [];
  try {
    database = await createPostgresTestDatabase(options.quick ? 'chaos_quick' : 'chaos');
    // Own pools (not the harness's) so knex's connection warnings during the outage are counted
    // rather than printed; the harness's pool only creates and drops the database.
    const warnings: Record<string, number> = {};
    mainDb = createPostgresDatabase(database.connectionString, { max: 10, logger: countingLogger(warnings) });
    const db = mainDb;
    sweeperDb = createPostgresDatabase(database.connectionString, { max: 4, logger: countingLogger(warnings) });
    const main = createTestIntegration(db, emulator, { ...WORKER_SETTINGS, workerId: 'main', logger: countingLogger(warnings) });
    const sweeper = createTestIntegration(sweeperDb, emulator, { ...WORKER_SETTINGS, workerId: 'sweeper', logger: countingLogger(warnings) });
    integrations.push(main, sweeper);
    await main.migrate();
    for (const org of orgs) {
      const connected = await connectOrg(main, emulator, { orgId: org.orgId, hubId: org.hubId });
      // The property setup runs in the background of the callback; the run needs it done.
      const setup = await setupOf(connected);
      if (!setup.ok) throw new Error(`bootstrap of ${org.orgId} failed: ${JSON.stringify(setup)}`);
    }
    event(`${orgs.length} orgs connected, ${workload.candidates.length} candidates planned`);

    // ---- observation: throughput samples and the emulator's request log ----
    const samples: ThroughputSample[] = [];
    const sample = () => {
      const counters = emulator.counters();
      let contacts = 0;
      let writes = 0;
      for (const portal of Object.values(counters.portals)) {
        contacts += portal.contactsCreated;
        writes += portal.contactsCreated + portal.contactsUpdated;
      }
      samples.push({ t: elapsed(), contacts, writes });
    };
    const requests: LoggedRequest[] = [];
    const harvest = () => {
      // Read and clear in one tick (the emulator lives in this process), so nothing slips between.
      for (const entry of emulator.requests()) requests.push(toLoggedRequest(entry));
      emulator.clearRequests();
    };
    emulator.clearRequests();
    emulator.resetCounters();
    sample();
    timers.push(setInterval(sample, 250), setInterval(harvest, 500));

    emulator.setFaults([{ route: 'contacts.batchUpsert', rate: 0.1, kinds: FAULT_KINDS, hangMs: 2_500 }]);
    event('faults on: 10% of upserts get 429/5xx/423/reset/timeout');

    // ---- workers: this process, one steady child process ----
    const steady = startWorker('steady', { databaseUrl: database.connectionString, emulatorUrl: emulator.url, leaseMs: WORKER_SETTINGS.leaseMs });
    workers.push(steady);
    const mainTotals: DrainTotals = { pushed: 0, failed: 0, retried: 0, held: 0, rounds: 0, roundErrors: 0 };
    const mainPaused = { value: false, idle: false };
    loops.push(
      (async () => {
        while (!stopLoops.signal.aborted) {
          if (mainPaused.value) {
            mainPaused.idle = true;
            await sleep(25);
            continue;
          }
          mainPaused.idle = false;
          try {
            const result = await main.drain({ signal: stopLoops.signal });
            mainTotals.rounds += 1;
            mainTotals.pushed += result.pushed;
            mainTotals.failed += result.failed;
            mainTotals.retried += result.retried;
            mainTotals.held += result.held;
            if (result.pushed + result.failed + result.retried === 0) await sleep(50);
          } catch {
            if (stopLoops.signal.aborted) break;
            mainTotals.roundErrors += 1;
            await sleep(250);
          }
        }
      })(),
    );
    let reclaimed = 0;
    loops.push(
      (async () => {
        // The periodic housekeeping a host runs: reclaims the leases of dead workers.
        while (!stopLoops.signal.aborted) {
          await sleep(500);
          try {
            reclaimed += (await main.maintain()).reclaimed;
          } catch {
            // database restarting
          }
        }
      })(),
    );
    await Promise.race([steady.ready, steady.exited.then(() => Promise.reject(new Error(`steady worker died: ${steady.stderr()}`)))]);
    event('steady worker process ready');

    // ---- the host's side: enqueue, remembering what was offered ----
    const offered = new Map<string, OfferedSnapshot[]>();
    let offerSeq = 0;
    const offer = (invite: AssessmentInvite) => {
      const key = `${invite.orgId}\u0000${normalizeEmail(invite.email)}`;
      const list = offered.get(key);
      const entry = { invite, seq: offerSeq++ };
      if (list) list.push(entry);
      else offered.set(key, [entry]);
    };
    const enqueueStats = { queued: 0, stale: 0, partialAfterCompleted: 0, failedAtEnqueue: 0, retriedTransactions: 0 };
    const enqueueAll = async (items: ReadonlyArray<{ snapshot: PlannedSnapshot }>, perTransaction = 250) => {
      for (let start = 0; start < items.length; start += perTransaction) {
        const part = items.slice(start, start + perTransaction);
        for (let attempt = 1; ; attempt += 1) {
          try {
            // The host's transactional outbox: the invite and its queue row commit together, and a
            // failed transaction is retried whole (the database may be restarting under us).
            const outcomes = await db.transaction(async (trx) => {
              const results = [];
              for (const { snapshot } of part) results.push(await main.enqueue(snapshot.invite, trx));
              return results;
            });
            for (const { snapshot } of part) offer(snapshot.invite);
            for (const outcome of outcomes) {
              if (!outcome.queued) {
                if (outcome.reason === 'stale') enqueueStats.stale += 1;
                else enqueueStats.partialAfterCompleted += 1;
              } else if ('failed' in outcome) enqueueStats.failedAtEnqueue += 1;
              else enqueueStats.queued += 1;
            }
            break;
          } catch (error) {
            if (attempt >= 60) throw error;
            enqueueStats.retriedTransactions += 1;
            await sleep(Math.min(1_000, 100 * attempt));
          }
        }
      }
    };
    const pendingRows = async () => Number(((await db('hubspot_outbox').where({ status: 'pending' }).count('* as n')) as Array<{ n: unknown }>)[0]?.n ?? 0);

    // ---- the stream of completed snapshots, with a disruption after some slices ----
    const sliceItems = Array.from({ length: slices }, (_, slice) => snapshotsAt(workload, (stage: Stage) => stage.kind === 'stream' && stage.slice === slice));
    let nextSlice = 0;
    const enqueueNextSlice = async (): Promise<boolean> => {
      if (nextSlice >= slices) return false;
      const slice = nextSlice++;
      await enqueueAll(sliceItems[slice]!);
      return true;
    };
    const sliceSize = Math.max(1, Math.round(sliceItems.reduce((sum, items) => sum + items.length, 0) / slices));

    const beforeSlice = new Map<number, () => Promise<void>>();
    const disruptions = new Map<number, () => Promise<void>>();
    const at = (fraction: number) => Math.min(slices - 2, Math.max(0, Math.floor(slices * fraction)));

    let expiredTokens = 0;
    let expiredAt = 0;
    disruptions.set(at(0.15), async () => {
      expiredTokens = emulator.expireAccessTokens();
      expiredAt = Date.now();
      event(`expired ${expiredTokens} access tokens (next call: 401, refresh)`);
    });

    let leasedAtKill = 0;
    let doomed: WorkerHandle | undefined;
    let slowDown: FaultRule | undefined;
    const leasedByDoomed = async () => Number(((await db('hubspot_outbox').where({ lease_owner: 'doomed' }).count('* as n')) as Array<{ n: unknown }>)[0]?.n ?? 0);
    const killSlice = at(0.3);
    beforeSlice.set(killSlice, async () => {
      // Only the doomed worker may drain the next slice, so it surely dies holding rows: this
      // process's loop and the steady worker pause (after their current round) until it is dead.
      mainPaused.value = true;
      await waitFor(() => mainPaused.idle, 30_000, 10);
      const pausedBefore = steady.events.filter((entry) => entry.event === 'paused').length;
      steady.child.kill('SIGUSR1');
      await waitFor(() => steady.events.filter((entry) => entry.event === 'paused').length > pausedBefore, 30_000, 10);
      doomed = startWorker('doomed', { databaseUrl: database!.connectionString, emulatorUrl: emulator.url, leaseMs: DOOMED_LEASE_MS });
      workers.push(doomed);
      await Promise.race([doomed.ready, deadline(30_000)]);
      // HubSpot slows down (answers within the client's timeout), so the doomed worker is inside
      // a push, its whole claim leased, when it dies; it is the only one draining now.
      slowDown = emulator.addFault({ route: 'contacts.batchUpsert', latencyMs: 800, times: 12 });
    });
    disruptions.set(killSlice, async () => {
      try {
        await waitFor(async () => (await leasedByDoomed()) > 0, 15_000, 5);
        // Mid-batch: it holds leases only between claiming rows and settling them.
        doomed?.child.kill('SIGKILL');
        leasedAtKill = await leasedByDoomed();
        if (slowDown?.id !== undefined) emulator.removeFault(slowDown.id);
        await doomed?.exited;
        event(`SIGKILLed worker process "doomed" holding ${leasedAtKill} leased rows (lease ${DOOMED_LEASE_MS} ms)`);
      } finally {
        mainPaused.value = false;
        steady.child.kill('SIGUSR2');
      }
    });

    let mustReconnectSeen = false;
    let heldAtReconnect = 0;
    let reconnected = false;
    disruptions.set(at(0.45), async () => {
      emulator.uninstall(reconnectOrg.hubId);
      event(`uninstalled the app from portal ${reconnectOrg.hubId} (${reconnectOrg.orgId})`);
      // The kit only learns of the uninstall when it next calls HubSpot for that org (there is no
      // uninstall webhook), so keep results coming: the slice just enqueued may be pushed already.
      for (let round = 0; round < 3 && !mustReconnectSeen; round += 1) {
        if (!(await enqueueNextSlice())) break;
        mustReconnectSeen = await waitFor(async () => (await main.status(reconnectOrg.orgId)).status === 'must_reconnect', 10_000);
      }
      for (let round = 0; round < 3 && heldAtReconnect === 0; round += 1) {
        if (await waitFor(async () => (await main.status(reconnectOrg.orgId)).queue.held > 0, 3_000)) heldAtReconnect = (await main.status(reconnectOrg.orgId)).queue.held;
        else if (!(await enqueueNextSlice())) break;
      }
      event(`${reconnectOrg.orgId} must_reconnect=${mustReconnectSeen}, ${heldAtReconnect} rows held; reconnecting`);
      await sleep(options.quick ? 300 : 1_000);
      const result = await connectOrg(main, emulator, { orgId: reconnectOrg.orgId, hubId: reconnectOrg.hubId });
      const setup = await setupOf(result);
      reconnected = result.reconnected && setup.ok;
      event(`${reconnectOrg.orgId} reconnected (reconnected=${result.reconnected}, bootstrap ok=${setup.ok})`);
    });

    const deletionWindows: PropertyDeletionWindow[] = [];
    let propertyRestored = false;
    disruptions.set(at(0.6), async () => {
      emulator.deleteProperty(propertyOrg.hubId, DELETED_PROPERTY);
      const window = { hubId: propertyOrg.hubId, from: Date.now(), to: Number.POSITIVE_INFINITY };
      deletionWindows.push(window);
      event(`customer deleted ${DELETED_PROPERTY} in portal ${propertyOrg.hubId}`);
      propertyRestored = await waitFor(() => emulator.properties(propertyOrg.hubId).some((property) => property.name === DELETED_PROPERTY), 30_000, 20);
      // Responses recorded a moment after the restore were still decided before it.
      window.to = Date.now() + 250;
      event(`${DELETED_PROPERTY} ${propertyRestored ? 'restored by the kit' : 'NOT restored'}`);
    });

    let postgresDetail = '';
    let postgresOk = false;
    disruptions.set(at(0.75), async () => {
      if (options.restartPostgres) {
        const version = postgresVersion();
        const began = Date.now();
        event(`restarting the PostgreSQL ${version} server`);
        try {
          await execFileAsync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], { timeout: 60_000 });
          postgresOk = true;
          postgresDetail = `pg_ctlcluster ${version} main restart took ${Date.now() - began} ms`;
        } catch (error) {
          postgresDetail = `restart failed: ${(error as Error).message}`;
        }
      } else {
        const admin = createPostgresDatabase(testServerUrl(), { max: 1, logger: countingLogger({}) });
        try {
          const killed = await admin.raw('SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()', [database!.databaseName]);
          const count = (killed.rows as Array<{ killed: boolean }>).filter((row) => row.killed).length;
          postgresOk = count > 0;
          postgresDetail = `terminated ${count} backends of ${database!.databaseName}`;
        } finally {
          await admin.destroy();
        }
      }
      event(postgresDetail);
    });

    for (;;) {
      const slice = nextSlice;
      if (slice >= slices) break;
      const prepare = beforeSlice.get(slice);
      beforeSlice.delete(slice);
      await prepare?.();
      if (!(await enqueueNextSlice())) break;
      // Every disruption due by now, in order (one may have enqueued further slices itself).
      for (const due of [...disruptions.keys()].filter((key) => key <= slice).sort((a, b) => a - b)) {
        const disruption = disruptions.get(due)!;
        disruptions.delete(due);
        await disruption();
      }
      // Let the workers catch up a little, so the snapshots arrive as a stream over the run.
      await waitFor(async () => (await pendingRows()) <= sliceSize / 2, options.quick ? 1_500 : 4_000, 50);
    }
    for (const disruption of disruptions.values()) await disruption();
    event('stream of completed snapshots enqueued');

    // ---- two sweeps at once, with completions arriving while they run ----
    const partials = new Map<string, AssessmentInvite[]>();
    for (const { candidate, snapshot } of snapshotsAt(workload, (stage) => stage.kind === 'sweep')) {
      const list = partials.get(candidate.orgId) ?? [];
      list.push(snapshot.invite);
      partials.set(candidate.orgId, list);
    }
    let otherSweepSettled: Promise<unknown> = new Promise(() => {});
    let startCompletions: () => void = () => {};
    const completionsMayStart = new Promise<void>((resolve) => (startCompletions = resolve));
    const pageSize = 50;
    const source: InProgressInviteSource = async function* inProgress(orgId) {
      // Hold the first page until the other sweep has been turned away (or 3 s passed), so the two
      // really overlap and the advisory lock, not timing, decides who works.
      await Promise.race([otherSweepSettled, deadline(3_000)]);
      startCompletions();
      const list = partials.get(orgId) ?? [];
      for (let start = 0; start < list.length; start += pageSize) {
        const page = list.slice(start, start + pageSize);
        for (const invite of page) offer(invite);
        yield page;
        await sleep(options.quick ? 2 : 5);
      }
    };
    // Two host instances, each with its own sweep runner on its own integration and knex pool: the
    // sweep package's lock must let exactly one of them do the work.
    const sweepOptions = { inProgressInvites: source, schedules: { retry: false, partial: false } as const, logger: countingLogger(warnings) };
    sweeps.push(startSweep(main, sweepOptions), startSweep(sweeper, sweepOptions));
    event('two partial sweeps started at once');
    // A sweep that throws is a finding, not the end of the run: it is recorded, its check fails, and
    // the candidates of the pages it had read but not stored count as lost.
    const sweepErrors: string[] = [];
    const settledSweep = (run: Promise<RunSummary>) =>
      run.catch((error: unknown): RunSummary => {
        // The end of the message names the cause (pg puts the statement first, its error last).
        const { message, code } = error as Error & { code?: string };
        sweepErrors.push(`${code ? `[${code}] ` : ''}…${message.split('\n').pop()!.slice(-200)}`);
        return { job: 'partial', ran: true, pushed: 0, failed: 0, held: 0, retried: 0, seen: -1 } as RunSummary;
      });
    const sweepA = settledSweep(sweeps[0]!.runNow('partial'));
    const sweepB = settledSweep(sweeps[1]!.runNow('partial'));
    otherSweepSettled = Promise.race([sweepA, sweepB]);
    const during = completionsMayStart.then(() => enqueueAll(snapshotsAt(workload, (stage) => stage.kind === 'during-sweep'), 20));
    const sweepSummaries = await Promise.all([sweepA, sweepB]);
    await during;
    const ranSweeps = sweepSummaries.filter((summary) => summary.ran);
    const sweepResult = ranSweeps.length === 1 ? ranSweeps[0]! : null;
    const turnedAway = sweepSummaries.filter((summary) => summary.skipped === 'not-leader').length;
    event(`sweeps done: ${ranSweeps.length} ran, ${turnedAway} not leader${sweepResult ? ` (seen ${sweepResult.seen}, enqueued ${sweepResult.enqueued}, kept ${sweepResult.kept}, pushed ${sweepResult.pushed})` : ''}`);

    await enqueueAll(snapshotsAt(workload, (stage) => stage.kind === 'after-sweep'));
    await enqueueAll(snapshotsAt(workload, (stage) => stage.kind === 'late'));
    event('completions after the sweep and late snapshots enqueued');

    // ---- wait until every row is settled ----
    const unsettledRows = async () =>
      Number(((await db('hubspot_outbox').where({ status: 'pending' }).orWhereNotNull('lease_owner').count('* as n')) as Array<{ n: unknown }>)[0]?.n ?? 0);
    const settled = await waitFor(async () => (await unsettledRows()) === 0, options.quick ? 60_000 : 6 * 60_000, 200);
    event(settled ? 'every row settled' : 'gave up waiting for the queue to settle');

    // ---- stop everything, then look ----
    stopLoops.abort();
    await Promise.all(loops);
    const workerTotals: Record<string, Record<string, unknown>> = {};
    const steadyExit = await stopWorker(steady);
    workerTotals.steady = { ...(steady.events.find((entry) => entry.event === 'done') ?? {}), exit: steadyExit.code, signal: steadyExit.signal };
    for (const timer of timers) clearInterval(timer);
    sample();
    harvest();

    const unsettled = await unsettledRows();
    const leftWithDoomed = Number(((await db('hubspot_outbox').where({ lease_owner: 'doomed' }).count('* as n')) as Array<{ n: unknown }>)[0]?.n ?? 0);
    const failures = await collectFailures(main, orgs);
    const contacts = collectContacts(emulator, orgs);
    const { expected, neverOffered } = expectedEntries(workload, offered);
    // ---- the long disruptions, on a simulated clock, judged by the same rules ----
    // (and several instances on one portal at HubSpot's real limit at the same time: it mostly
    // waits for the rate window, so it costs little wall time beside the outages). The backfill
    // killed halfway runs after the outages, still beside the shared portal: its emulator lives in
    // this process, and the token outage's check reads send times off the same event loop.
    const outagesStarted = Date.now();
    const outagesThenBackfill = async () => {
      const result = await runOutages({ seed: options.seed, quick: options.quick, event, check });
      event(`outages done in ${((Date.now() - outagesStarted) / 1000).toFixed(1)} s (${result.figures.simulatedMinutes} simulated minutes)`);
      const outagesResult = { ...result, durationMs: Date.now() - outagesStarted };
      return [outagesResult, await runBackfillKill({ seed: options.seed, quick: options.quick, event, check })] as const;
    };
    const [[outages, backfill], shared] = await Promise.all([outagesThenBackfill(), runSharedPortal({ seed: options.seed, quick: options.quick, event, check })]);
    const sideRuns = [outages, shared, backfill];
    const verdict = verify({
      expected: [...expected, ...sideRuns.flatMap((run) => run.expected)],
      contacts: [...contacts, ...sideRuns.flatMap((run) => run.contacts)],
      failures: [...failures, ...sideRuns.flatMap((run) => run.failures)],
    });
    const errors = summarizeErrors(requests, deletionWindows);
    const totals = emulator.counters().totals;
    const syncRows = (await db('hubspot_sync_log').select('outcome', 'error_code').count('* as n').groupBy('outcome', 'error_code')) as Array<{ outcome: string; error_code: string | null; n: unknown }>;
    const syncLog = Object.fromEntries(syncRows.map((row) => [row.error_code ? `${row.outcome}:${row.error_code}` : row.outcome, Number(row.n)]));

    // ---- did every disruption really happen, and did the kit react as it should? ----
    const refreshesAfterExpiry = requests.filter((request) => request.route === 'oauth.token' && request.status === 200 && request.at >= expiredAt).length;
    check('token expiry', expiredTokens > 0 && refreshesAfterExpiry > 0, `${expiredTokens} tokens expired; ${refreshesAfterExpiry} successful token refreshes after it`);
    check('worker killed mid-batch', leasedAtKill > 0 && leftWithDoomed === 0, `${leasedAtKill} rows leased by the killed worker; ${leftWithDoomed} still leased to it at the end; maintain() reclaimed ${reclaimed}`);
    check('uninstall + reconnect', mustReconnectSeen && heldAtReconnect > 0 && reconnected, `must_reconnect seen: ${mustReconnectSeen}; ${heldAtReconnect} rows held; reconnected: ${reconnected}`);
    const recreated = requests.filter((request) => request.route === 'properties.create' && request.hubId === propertyOrg.hubId && (request.status === 201 || request.status === 200) && request.at >= (deletionWindows[0]?.from ?? 0)).length;
    check('deleted property', propertyRestored && recreated > 0, `${DELETED_PROPERTY} restored: ${propertyRestored}; ${recreated} successful property creates after the deletion`);
    check(options.restartPostgres ? 'postgres restart' : 'postgres backends terminated', postgresOk && steadyExit.code === 0, `${postgresDetail}; steady worker exit code ${steadyExit.code ?? steadyExit.signal}${steadyExit.code === 0 ? '' : `: ${steady.stderr().slice(-300)}`}`);
    const inProgressCount = [...partials.values()].reduce((sum, list) => sum + list.length, 0);
    check(
      'two sweeps at once',
      ranSweeps.length === 1 && turnedAway === 1 && sweepResult?.seen === inProgressCount && sweepErrors.length === 0,
      `${sweepErrors.length > 0 ? `the sweep threw: ${sweepErrors.join('; ')}; ` : ''}${ranSweeps.length} of 2 ran, ${turnedAway} turned away as not leader; seen ${sweepResult?.seen ?? 0} of ${inProgressCount} in-progress candidates; kept ${sweepResult?.kept ?? 0} completed over their partial`,
    );
    check('every candidate offered', neverOffered === 0, `${neverOffered} candidates never reached the kit`);
    check(
      'queue settled',
      unsettled === 0 && outages.unsettled === 0 && shared.unsettled === 0 && backfill.unsettled === 0,
      `${unsettled} rows pending or leased at the end (outages: ${outages.unsettled}, shared portal: ${shared.unsettled}, backfill: ${backfill.unsettled})`,
    );
    check('error budget (own errors <= 5%)', errors.withinBudget, `${errors.ownErrors} own errors / ${errors.requests} requests = ${(errors.ownRatio * 100).toFixed(2)}%`);

    const failuresList: string[] = [];
    for (const name of ['lost', 'wrong', 'staleOverwrite', 'duplicate', 'unexpected', 'unexpectedFailed', 'failedTransient'] as const) {
      if (verdict.counts[name] !== 0) failuresList.push(`${name} = ${verdict.counts[name]}`);
    }
    if (verdict.counts.failedWithReason !== verdict.counts.expectedFailed) failuresList.push(`failed with reason ${verdict.counts.failedWithReason} != expected ${verdict.counts.expectedFailed}`);
    for (const failed of checks.filter((entry) => !entry.ok)) failuresList.push(`${failed.name}: ${failed.detail}`);

    const candidatesByKind = Object.fromEntries(
      CANDIDATE_KINDS.map((kind) => [
        kind,
        workload.candidates.filter((candidate: Candidate) => candidate.kind === kind).length,
      ]),
    ) as Record<CandidateKind, number>;
    return {
      options,
      durationMs: Date.now() - startedAt,
      candidates: workload.candidates.length,
      candidatesByKind,
      snapshotsOffered: offerSeq,
      verdict,
      errors,
      emulatorTotals: { requests: totals.requests, errors: totals.errors, faults: totals.faults, rateLimited: totals.rateLimited, errorRatio: totals.errorRatio },
      unsettled: unsettled + outages.unsettled + shared.unsettled + backfill.unsettled,
      outages: { figures: outages.figures, errors: summarizeErrors(outages.requests.map(toLoggedRequest)), durationMs: outages.durationMs, candidates: outages.expected.length },
      sharedPortal: { ...shared.figures, candidates: shared.expected.length },
      backfillKill: { ...backfill.figures, errors: summarizeErrors(backfill.requests.map(toLoggedRequest)) },
      checks,
      timeline,
      samples,
      enqueue: enqueueStats,
      sweeps: { ran: ranSweeps.length, summaries: sweepSummaries },
      drains: { main: mainTotals, workers: workerTotals },
      syncLog,
      warnings,
      ok: failuresList.length === 0,
      failures: failuresList,
    };
  } finally {
    stopLoops.abort();
    for (const timer of timers) clearInterval(timer);
    await Promise.allSettled(loops);
    await Promise.allSettled(sweeps.map((sweep) => sweep.stop({ cancelInFlight: true })));
    await Promise.allSettled(workers.map((worker) => stopWorker(worker, 5_000)));
    await Promise.allSettled(integrations.map((integration) => integration.close()));
    await sweeperDb?.destroy().catch(() => undefined);
    await mainDb?.destroy().catch(() => undefined);
    await emulator.close();
    await database?.drop().catch(() => undefined);
  }
}
