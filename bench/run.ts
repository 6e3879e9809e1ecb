// `pnpm bench [name ...]`: runs the benchmarks, prints one table and writes reports/bench.json.
// Targets are checked here, never in timed tests; the exit code is non-zero when a target is missed.
import { costBench } from './cost.bench.js';
import { fairnessBench } from './fairness.bench.js';
import { inFreshProcess } from './kit.js';
import { latencyBench } from './latency.bench.js';
import { mappingBench } from './mapping.bench.js';
import { portalsBench } from './portals.bench.js';
import { printTable, writeReport, type BenchRow } from './report.js';
import { sweepMemoryBench } from './sweep-memory.bench.js';
import { throughputBench } from './throughput.bench.js';
import { widgetSizeBench } from './widget-size.bench.js';
import { workersBench } from './workers.bench.js';

const benches: Record<string, () => Promise<BenchRow[]>> = {
  mapping: mappingBench,
  'widget-size': widgetSizeBench,
  'sweep-memory': sweepMemoryBench,
  throughput: throughputBench,
  latency: latencyBench,
  fairness: fairnessBench,
  cost: costBench,
  workers: workersBench,
  portals: portalsBench,
  'metrics-overhead': async () => (await import('./metrics-overhead.bench.js')).metricsOverheadBench(),
  // In a process of its own: its peak-RSS figure compares a 100 s run with a 10 s one, and here both
  // would start from what the benches before it left in this process. V8 lets a bigger heap fill
  // with more garbage before it collects, which the long run reaches and the short one does not.
  backfill: () => inFreshProcess<BenchRow[]>(new URL('./backfill.bench.ts', import.meta.url).href, 'backfillBench'),
};

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = wanted.filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(`Unknown bench ${unknown.join(', ')}; available: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
const rows: BenchRow[] = [];
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.error(`running ${name}…`);
  rows.push(...(await run()));
}
printTable(rows);
console.log(`\nreport: ${writeReport('bench', rows)}`);
process.exitCode = rows.some((row) => row.ok === false) ? 1 : 0;
