// Backfill figures (issue 16), each measured in one run against the emulator in a child process:
// - batch enqueue (the backfill's page path) vs one-at-a-time `enqueue` on the same database;
// - a 100,000-invite backfill to one portal at 100 requests / 10 s: steady-state share of the
//   ceiling, 429s, and enqueue → visible latency of live completions arriving meanwhile;
// - peak RSS of that backfill vs the same backfill at 10,000 (the source is streamed page by page).
import type { AssessmentInvite, CompletedInviteSource, HubSpotIntegration } from '@jobcannon/hubspot-core';
import { completedInvite } from '@jobcannon/hubspot-core/test-support';
import { connect, openKit, percentile, round, sampleRss, sleep, wallNow } from './kit.js';
import { startRemoteEmulator, type RemoteEmulator } from './remote-emulator.js';
import { atLeast, below, type BenchRow } from './report.js';
import { steadyStateRate } from './throughput.bench.js';

const LIMIT = 100;
const INTERVAL_MS = 10_000;
const CEILING_PER_SECOND = (LIMIT * 100 * 1000) / INTERVAL_MS;
const PAGE = 500;
const SINGLE_INVITES = 2_000;
const BATCH_INVITES = 20_000;
const LARGE = Number(process.env.BENCH_BACKFILL_INVITES ?? 100_000);
const SMALL = Math.round(LARGE / 10);

/** The host's completed invites of an org, generated page by page (never held whole). */
function generatedSource(count: number, offset: number): CompletedInviteSource {
  return {
    count: async () => count,
    async *pages(orgId, cursor) {
      for (let start = cursor === null ? 0 : Number(cursor); start < count; start += PAGE) {
        const end = Math.min(count, start + PAGE);
        const invites: AssessmentInvite[] = [];
        for (let index = start; index < end; index += 1) invites.push(completedInvite(orgId, offset + index));
        yield { invites, nextCursor: end < count ? String(end) : null };
      }
    },
  };
}

async function waitForBackfill(integration: HubSpotIntegration, orgId: string): Promise<void> {
  for (;;) {
    const state = (await integration.status(orgId)).backfill?.state;
    if (state === 'done' || state === 'failed' || state === 'cancelled') return;
    await sleep(100);
  }
}

async function enqueueRates(emulator: RemoteEmulator): Promise<{ singlePerSecond: number; batchPerSecond: number }> {
  const orgSingle = 'org_bench_enqueue_single';
  const orgBatch = 'org_bench_enqueue_batch';
  const kit = await openKit('bench_backfill_enqueue', emulator, { backfill: { source: generatedSource(BATCH_INVITES, 0), mode: 'offered' } });
  try {
    await connect(kit.integration, emulator, orgSingle, 3001);
    await connect(kit.integration, emulator, orgBatch, 3002);
    const started = wallNow();
    for (let index = 0; index < SINGLE_INVITES; index += 1) await kit.integration.enqueue(completedInvite(orgSingle, index));
    const singlePerSecond = SINGLE_INVITES / ((wallNow() - started) / 1000);
    const batchStarted = wallNow();
    await kit.integration.startBackfill(orgBatch);
    await waitForBackfill(kit.integration, orgBatch);
    const batchPerSecond = BATCH_INVITES / ((wallNow() - batchStarted) / 1000);
    return { singlePerSecond, batchPerSecond };
  } finally {
    await kit.close();
  }
}

interface BackfillRun {
  contacts: number;
  requests: Array<{ at: number; inputs: number }>;
  rateLimited: number;
  liveLatenciesMs: number[];
  peakRss: number;
}

/** Backfills `count` past results to a fresh portal while live completions arrive every second. */
async function backfillRun(emulator: RemoteEmulator, label: string, hubId: number, count: number): Promise<BackfillRun> {
  const orgId = `org_bench_${label}`;
  const kit = await openKit(`bench_backfill_${label}`, emulator, { backfill: { source: generatedSource(count, 0), mode: 'offered' } });
  try {
    await connect(kit.integration, emulator, orgId, hubId);
    // The bootstrap's requests leave the rolling window first, so the run starts with a full budget.
    await sleep(INTERVAL_MS + 300);
    await emulator.clearRequests();
    await emulator.resetCounters();
    const rss = sampleRss();
    const drainStarted = Date.now();
    await kit.integration.startBackfill(orgId);
    const live: Array<Promise<number>> = [];
    let stop = false;
    const liveLoop = (async () => {
      for (let index = 0; !stop; index += 1) {
        await sleep(1_000);
        if (stop) break;
        const invite = completedInvite(orgId, 10_000_000 + index);
        const visible = emulator.watchContact(hubId, invite.email);
        const enqueuedAt = wallNow();
        await kit.integration.enqueue(invite);
        live.push(visible.then((at) => at - enqueuedAt));
      }
    })();
    // The host's worker: drains until the backfill is done and nothing is waiting.
    for (;;) {
      await kit.integration.drain();
      const status = await kit.integration.status(orgId);
      if (status.backfill?.state !== 'running' && status.queue.pending === 0) break;
      await sleep(50);
    }
    stop = true;
    await liveLoop;
    // A live completion enqueued while the loop above was finishing is pushed now.
    while ((await kit.integration.status(orgId)).queue.pending > 0) await kit.integration.drain();
    const liveLatenciesMs = await Promise.all(live);
    const peakRss = rss.stop();
    const logged = await emulator.requests({ hubId, route: 'contacts.batchUpsert' });
    const counters = (await emulator.counters()).portals[String(hubId)];
    return {
      contacts: await emulator.contactCount(hubId),
      requests: logged.filter((entry) => entry.status < 300).map((entry) => ({ at: entry.at - drainStarted, inputs: entry.inputs })),
      rateLimited: counters?.rateLimited ?? 0,
      liveLatenciesMs,
      peakRss,
    };
  } finally {
    await kit.close();
  }
}

export async function backfillBench(): Promise<BenchRow[]> {
  const emulator = await startRemoteEmulator({
    port: 0,
    seed: 7,
    portals: [3001, 3002, 3003, 3004].map((hubId) => ({ hubId, domain: `portal-${hubId}.hubspot.com`, name: `Portal ${hubId}` })),
    rateLimit: { max: LIMIT, intervalMs: INTERVAL_MS },
    requestLogLimit: 5_000,
  });
  try {
    const rates = await enqueueRates(emulator);
    const small = await backfillRun(emulator, 'small', 3003, SMALL);
    const large = await backfillRun(emulator, 'large', 3004, LARGE);
    const steady = steadyStateRate(large.requests, LIMIT);
    const share = steady === null ? 0 : steady.perSecond / CEILING_PER_SECOND;
    const ratio = rates.batchPerSecond / rates.singlePerSecond;
    const p50 = percentile(large.liveLatenciesMs, 50);
    const p99 = percentile(large.liveLatenciesMs, 99);
    const rssDeltaMb = (large.peakRss - small.peakRss) / (1024 * 1024);
    return [
      { bench: 'backfill', metric: 'batch enqueue vs one-at-a-time (same database)', value: round(ratio, 1), unit: '×', ...atLeast(round(ratio, 1), 10), note: `batch ${Math.round(rates.batchPerSecond)}/s (pages of ${PAGE} through the backfill), one at a time ${Math.round(rates.singlePerSecond)}/s` },
      { bench: 'backfill', metric: `${LARGE.toLocaleString('en-US')}-invite backfill: steady state / ceiling`, value: round(share), unit: 'ratio', ...atLeast(round(share), 0.95), note: `${large.contacts.toLocaleString('en-US')} contacts in HubSpot (incl. ${large.liveLatenciesMs.length} live), ${steady?.samples ?? 0} requests sampled` },
      { bench: 'backfill', metric: '429s during the backfill', value: large.rateLimited, unit: 'count', target: '= 0', ok: large.rateLimited === 0 },
      { bench: 'backfill', metric: 'live completion during the backfill: enqueue → visible p50', value: Math.round(p50), unit: 'ms', ...below(Math.round(p50), 1_000) },
      { bench: 'backfill', metric: 'live completion during the backfill: enqueue → visible p99', value: Math.round(p99), unit: 'ms', ...below(Math.round(p99), 3_000), note: `${large.liveLatenciesMs.length} live completions, one a second` },
      { bench: 'backfill', metric: `peak RSS at ${LARGE.toLocaleString('en-US')} minus at ${SMALL.toLocaleString('en-US')}`, value: round(rssDeltaMb, 1), unit: 'MB', ...below(round(rssDeltaMb, 1), 50), note: `peaks ${Math.round(small.peakRss / 1e6)} MB and ${Math.round(large.peakRss / 1e6)} MB (this process: the kit and the drain; the emulator is a child)` },
    ];
  } finally {
    await emulator.close();
  }
}
