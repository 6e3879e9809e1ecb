// What the kit's metrics and traces cost on the throughput path (issue 18): CPU time per pushed
// invite of integration.drain(), measured as cost.bench.ts does (process.cpuUsage() of this process
// around the drain; the emulator runs in a child process), without an OpenTelemetry SDK (the API's
// no-ops, every host's default) and with one (a MeterProvider with a reader, a tracer provider
// recording every span), in alternating rounds of one run. The target is checked on the telemetry
// work itself (the hooks a drain runs per batch of 100, timed alone), as a share of the drain's
// CPU per invite: the drain-to-drain difference is reported too, but on a shared machine its noise
// is larger than what it would measure.
import { completedInvite } from '@jobcannon/hubspot-core/test-support';
import type { DeliveryOutcome } from '../packages/core/src/delivery/contact-delivery.js';
import { createKitMetrics, type HubSpotOperation } from '../packages/core/src/metrics/kit-metrics.js';
import { createTestTelemetry, type TestTelemetry } from '../packages/core/src/metrics/test-support/telemetry.js';
import { connect, cpuMicros, enqueueAll, openKit, round } from './kit.js';
import { startRemoteEmulator } from './remote-emulator.js';
import type { BenchRow } from './report.js';

const ROUNDS = 2;
const TARGET_SHARE = 0.05;
const FIRST_HUB = 3000;

function invitesPerRound(): number {
  const fromEnv = Number(process.env.BENCH_METRICS_INVITES);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? Math.min(fromEnv, 20_000) : 5_000;
}

type Mode = 'no SDK' | 'SDK';

/** CPU µs per pushed invite of drain(), each mode in alternating rounds (no SDK, SDK, no SDK, …). */
async function drainCpuPerInvite(): Promise<Record<Mode, number[]>> {
  const count = invitesPerRound();
  const hubIds = Array.from({ length: ROUNDS * 2 }, (_, index) => FIRST_HUB + index + 1);
  const emulator = await startRemoteEmulator({ port: 0, seed: 7, rateLimit: { max: 100 }, portals: hubIds.map((hubId) => ({ hubId, domain: `portal-${hubId}.hubspot.com`, name: `Portal ${hubId}` })) });
  const perInvite: Record<Mode, number[]> = { 'no SDK': [], SDK: [] };
  try {
    const kit = await openKit('bench_metrics', emulator);
    try {
      let round = 0;
      for (let pass = 0; pass < ROUNDS; pass += 1) {
        for (const mode of ['no SDK', 'SDK'] as const) {
          round += 1;
          const telemetry: TestTelemetry | null = mode === 'SDK' ? createTestTelemetry() : null;
          const integration = await kit.reopen(telemetry ? { metrics: { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider } } : {});
          // A portal of its own per round: each drain starts with a whole rate window.
          const orgId = `org_bench_metrics_${round}`;
          await connect(integration, emulator, orgId, FIRST_HUB + round);
          await enqueueAll(integration, Array.from({ length: count }, (_, index) => completedInvite(orgId, index)));
          const before = process.cpuUsage();
          const result = await integration.drain();
          const cpu = cpuMicros(process.cpuUsage(before));
          if (result.pushed !== count) throw new Error(`round ${round} (${mode}) pushed ${result.pushed} of ${count}`);
          perInvite[mode].push(cpu / result.pushed);
          if (telemetry) {
            // A scrape's worth of work, outside the measured drain, so a broken SDK path shows here.
            await telemetry.collect();
            await telemetry.shutdown();
          }
        }
      }
    } finally {
      await kit.close();
    }
  } finally {
    await emulator.close();
  }
  return perInvite;
}

const UPSERT: HubSpotOperation = { name: 'contacts.batch.upsert', method: 'POST', route: '/crm/v3/objects/contacts/batch/upsert' };

/**
 * The telemetry a drain does per batch of 100 invites (one upsert call: span, response counter,
 * duration, attempt tracking over the 100 row ids; then the settled outcomes), timed alone:
 * CPU µs per invite.
 */
function hookCpuPerInvite(mode: Mode): number {
  const batches = 2_000;
  const telemetry = mode === 'SDK' ? createTestTelemetry() : null;
  const db = { raw: async () => ({ rows: [] }) } as never;
  const metrics = createKitMetrics({ db, clock: { now: () => Date.now() }, logger: { debug() {}, info() {}, warn() {}, error() {} }, meterProvider: telemetry?.meterProvider, tracerProvider: telemetry?.tracerProvider });
  const batch = (offset: number) => {
    const keys = Array.from({ length: 100 }, (_, index) => String(offset + index));
    const outcomes: DeliveryOutcome[] = keys.map((key, index) => ({ key, status: 'pushed', contactId: key, created: index % 3 !== 0, attempts: 1, correlationId: null }));
    return { keys, outcomes };
  };
  const prepared = Array.from({ length: batches }, (_, index) => batch(index * 100));
  const run = () => {
    for (const { keys, outcomes } of prepared) {
      metrics.startCall({ operation: UPSERT, portalId: 1001, size: keys.length, keys }).end({ status: 200, errorKind: null, correlationId: 'c' });
      metrics.recordOutcomes(outcomes);
    }
  };
  run(); // warm-up (JIT), not counted
  const before = process.cpuUsage();
  run();
  const cpu = cpuMicros(process.cpuUsage(before));
  metrics.close();
  void telemetry?.shutdown();
  return cpu / (batches * 100);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export async function metricsOverheadBench(): Promise<BenchRow[]> {
  const drains = await drainCpuPerInvite();
  const drainNoSdk = median(drains['no SDK']);
  const drainSdk = median(drains.SDK);
  const rows: BenchRow[] = [];
  for (const mode of ['no SDK', 'SDK'] as const) {
    const hooks = hookCpuPerInvite(mode);
    const share = hooks / drainNoSdk;
    rows.push({
      bench: 'metrics-overhead',
      metric: `telemetry CPU per pushed invite, ${mode === 'SDK' ? 'with an OpenTelemetry SDK' : 'without an SDK (API no-ops)'}, share of the drain's`,
      value: round(share * 100, 2),
      unit: '%',
      target: `< ${TARGET_SHARE * 100}`,
      ok: share < TARGET_SHARE,
      note: `${round(hooks, 3)} µs of the kit's metrics and span work per invite (one upsert of 100: span, counters, duration, attempt ids; settled outcomes), timed alone over 200,000 invites, against the drain's ${round(drainNoSdk, 1)} µs per invite without an SDK`,
    });
  }
  const rounds = (values: number[]) => values.map((value) => round(value, 1)).join(', ');
  rows.push({
    bench: 'metrics-overhead',
    metric: 'drain CPU per pushed invite, without an SDK',
    value: round(drainNoSdk, 1),
    unit: 'µs',
    note: `median of ${ROUNDS} rounds of ${invitesPerRound().toLocaleString('en-US')} invites (${rounds(drains['no SDK'])}), process.cpuUsage() around drain() as in cost.bench.ts; informational`,
  });
  rows.push({
    bench: 'metrics-overhead',
    metric: 'drain CPU per pushed invite, with an SDK',
    value: round(drainSdk, 1),
    unit: 'µs',
    note: `median of ${ROUNDS} rounds alternating with the ones above (${rounds(drains.SDK)}): ${round(((drainSdk - drainNoSdk) / drainNoSdk) * 100, 1)} % against them, within this machine's run-to-run noise; informational`,
  });
  return rows;
}
