// Several host instances on one portal: 1, 2, 4 and 8 worker processes (each its own pool and
// integration, as separate host instances are), draining one portal's backlog together against the
// emulator at HubSpot's public-app limit (110 requests / 10 s) with the kit configured at 100. The
// portal budget is shared through PostgreSQL, so together they should use what one would, not N times it.
import { completedInvite } from '@jobcannon/hubspot-core/test-support';
import { startDrainChildren } from './drain-children.js';
import { connect, enqueueInTransactions, openKit, round, sleep } from './kit.js';
import { startRemoteEmulator } from './remote-emulator.js';
import { atLeast, type BenchRow } from './report.js';
import { steadyStateRate } from './throughput.bench.js';

/** BENCH_WORKERS_CASES=4,8 runs only those cases (while tuning); the bench's figures are all four. */
const CASES = (process.env.BENCH_WORKERS_CASES ?? '1,2,4,8').split(',').map(Number);
const HUBSPOT_LIMIT = 110;
const CONFIGURED = 100;
const INTERVAL_MS = 10_000;
const BATCH = 100;
/** Two windows of work per case: a first burst, then a whole window of steady state to measure. */
const ROWS = Number(process.env.BENCH_WORKERS_ROWS ?? 2 * CONFIGURED * BATCH);
const FIRST_HUB = 3001;
/** Bounds each case: two windows of work take about 21 s. */
const CASE_CAP_MS = 90_000;

const orgOf = (workers: number) => `org_workers_${workers}`;
const hubOf = (workers: number) => FIRST_HUB + CASES.indexOf(workers);

export async function workersBench(): Promise<BenchRow[]> {
  const emulator = await startRemoteEmulator({
    port: 0,
    seed: 7,
    portals: CASES.map((workers) => ({ hubId: hubOf(workers), domain: `portal-${hubOf(workers)}.hubspot.com`, name: `Portal ${hubOf(workers)}` })),
    rateLimit: { max: HUBSPOT_LIMIT, intervalMs: INTERVAL_MS },
    requestLogLimit: 20_000,
  });
  const rows: BenchRow[] = [];
  try {
    const kit = await openKit('bench_workers', emulator, { rateLimit: { maxRequests: CONFIGURED, intervalMs: INTERVAL_MS } });
    try {
      for (const workers of CASES) await connect(kit.integration, emulator, orgOf(workers), hubOf(workers));
      const connectedAt = Date.now();
      for (const workers of CASES) {
        await enqueueInTransactions(kit.integration, kit.database.db, Array.from({ length: ROWS }, (_, index) => completedInvite(orgOf(workers), index)));
      }
      // The bootstraps' requests leave the rolling windows first, so each case starts on a quiet portal.
      await sleep(Math.max(0, connectedAt + INTERVAL_MS + 300 - Date.now()));
      for (const workers of CASES) rows.push(...(await runCase(workers, kit, emulator)));
    } finally {
      await kit.close();
    }
  } finally {
    await emulator.close();
  }
  return rows;
}

async function runCase(workers: number, kit: Awaited<ReturnType<typeof openKit>>, emulator: Awaited<ReturnType<typeof startRemoteEmulator>>): Promise<BenchRow[]> {
  const hub = hubOf(workers);
  const children = await startDrainChildren(
    workers,
    { databaseUrl: kit.database.connectionString, emulatorUrl: emulator.url, rateLimit: { maxRequests: CONFIGURED, intervalMs: INTERVAL_MS }, orgId: orgOf(workers) },
    `workers${workers}`,
  );
  await emulator.clearRequests();
  await emulator.resetCounters();
  const started = Date.now();
  children.start();
  let delivered = 0;
  while (Date.now() - started < CASE_CAP_MS) {
    delivered = await emulator.contactCount(hub);
    if (delivered >= ROWS) break;
    await sleep(250);
  }
  const results = await children.stop();
  const logged = (await emulator.requests({ hubId: hub, route: 'contacts.batchUpsert' })).sort((a, b) => a.at - b.at);
  const counters = (await emulator.counters()).portals[String(hub)];
  const queue = (await kit.integration.status(orgOf(workers))).queue;
  const ok = logged.filter((entry) => entry.status < 300).map((entry) => ({ at: entry.at - started, inputs: entry.inputs }));
  const steady = steadyStateRate(ok, CONFIGURED);
  const ceilingPerSecond = (CONFIGURED * BATCH * 1000) / INTERVAL_MS;
  const fraction = steady === null ? 0 : steady.perSecond / ceilingPerSecond;
  const requests = counters?.requests ?? 0;
  const rateLimited = counters?.rateLimited ?? 0;
  const ratio429 = rateLimited / Math.max(1, requests);
  const failed = results.reduce((sum, result) => sum + result.failed, 0) + queue.failed;
  const pushedBy = results.map((result) => result.pushed);
  const errors = results.map((result) => result.error).filter(Boolean);
  const label = `${workers} worker${workers === 1 ? '' : 's'}`;
  const setting = `${workers} child processes (own pool of 4 and integration each), one portal at ${HUBSPOT_LIMIT} / 10 s (public app), kit rateLimit.maxRequests ${CONFIGURED}, ${ROWS.toLocaleString('en-US')} invites`;
  return [
    {
      bench: 'workers',
      metric: `${label}: steady state / configured ceiling`,
      value: round(fraction),
      unit: 'ratio',
      ...atLeast(round(fraction), 0.95),
      note:
        `${setting}. Steady state as in the throughput bench (every request after the first ${CONFIGURED} reuses the slot of the one ${CONFIGURED} earlier): ` +
        `${steady === null ? 'n/a (too few requests)' : `mean gap ${Math.round(steady.meanGapMs)} ms over ${steady.samples} requests = ${Math.round(steady.perSecond)} contacts/s of ${ceilingPerSecond}`}. ` +
        `${delivered.toLocaleString('en-US')}/${ROWS.toLocaleString('en-US')} in the emulator; pushed per process ${pushedBy.join(' + ')}${errors.length > 0 ? `; errors: ${errors.join('; ')}` : ''}`,
    },
    {
      bench: 'workers',
      metric: `${label}: 429 share of requests`,
      value: round(ratio429, 4),
      unit: 'ratio',
      target: '<= 0.005',
      ok: ratio429 <= 0.005,
      note: `${rateLimited} of ${requests} requests answered 429 (every request of the case, bootstrap excluded)`,
    },
    {
      bench: 'workers',
      metric: `${label}: rows failed`,
      value: failed,
      unit: 'rows',
      target: '= 0',
      ok: failed === 0 && delivered === ROWS && errors.length === 0,
      note: `failed as the processes reported plus failed in the outbox afterwards (${queue.failed}); ${delivered === ROWS ? 'every invite delivered' : `only ${delivered} delivered`}`,
    },
  ];
}
