// What pushing costs the host: CPU time per pushed invite and peak RSS of this process during the
// throughput run (enqueue + drain of the same invites; the emulator runs in its own process, so none
// of its work is counted here). PostgreSQL's and the emulator's CPU are shown for information.
import { measureThroughput, type ThroughputMeasurement } from './throughput.bench.js';
import type { BenchRow } from './report.js';

/** µs per pushed invite, one decimal. */
function cpuUsagePerInvite(m: ThroughputMeasurement) {
  const per = (micros: number) => Math.round((micros / Math.max(1, m.drain.pushed)) * 10) / 10;
  const postgres = m.enqueue.postgresCpuMicros === null || m.drain.postgresCpuMicros === null ? null : m.enqueue.postgresCpuMicros + m.drain.postgresCpuMicros;
  return {
    total: per(m.enqueue.cpuMicros + m.drain.cpuMicros),
    enqueue: per(m.enqueue.cpuMicros),
    drain: per(m.drain.cpuMicros),
    postgres: postgres === null ? null : per(postgres),
    postgresEnqueue: per(m.enqueue.postgresCpuMicros ?? 0),
    postgresDrain: per(m.drain.postgresCpuMicros ?? 0),
    emulator: per(m.drain.emulatorCpuMicros),
  };
}

export async function costBench(): Promise<BenchRow[]> {
  const m = await measureThroughput();
  const figures = cpuUsagePerInvite(m);
  const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
  const rows: BenchRow[] = [
    {
      bench: 'cost',
      metric: 'CPU time per pushed invite (enqueue + drain)',
      value: figures.total,
      unit: 'µs',
      note:
        `process.cpuUsage() of the bench process around integration.enqueue × ${m.invites.toLocaleString('en-US')} and drain(): enqueue ${figures.enqueue} µs + drain ${figures.drain} µs per invite ` +
        `(core, knex, pg, the official client; not the emulator, which runs in a child process); informational, machine-dependent`,
    },
    {
      bench: 'cost',
      metric: 'peak RSS during the throughput run',
      value: mb(m.rss.peak),
      unit: 'MB',
      note: `this process (running under tsx, whose loader is included), sampled every 50 ms during enqueue + drain; ${mb(m.rss.before)} MB before (the ${m.invites.toLocaleString('en-US')} invite objects already built), +${mb(m.rss.peak - m.rss.before)} MB; informational`,
    },
  ];
  if (figures.postgres !== null) {
    rows.push({
      bench: 'cost',
      metric: 'PostgreSQL server CPU per pushed invite',
      value: figures.postgres,
      unit: 'µs',
      note: `the server processes of the bench database, from /proc (backends that exit mid-run are missed): enqueue ${figures.postgresEnqueue} µs + drain ${figures.postgresDrain} µs; informational`,
    });
  }
  rows.push({
    bench: 'cost',
    metric: 'emulator CPU per pushed invite (not the kit)',
    value: figures.emulator,
    unit: 'µs',
    note: 'the child process playing HubSpot during the drain, for scale; informational',
  });
  return rows;
}
