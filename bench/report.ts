import fs from 'node:fs';
import path from 'node:path';

/** One measured figure: what it is, its value, and the target it is judged against. */
export interface BenchRow {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  /** e.g. ">= 0.95" or "< 150"; absent when the figure is informational. */
  target?: string;
  /** Whether the value meets the target (undefined when there is no target). */
  ok?: boolean;
  note?: string;
}

export function atLeast(value: number, min: number): Pick<BenchRow, 'target' | 'ok'> {
  return { target: `>= ${min}`, ok: value >= min };
}

export function below(value: number, max: number): Pick<BenchRow, 'target' | 'ok'> {
  return { target: `< ${max}`, ok: value < max };
}

function formatValue(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) >= 100 ? value.toLocaleString('en-US', { maximumFractionDigits: 1 }) : value.toFixed(3);
}

export function printTable(rows: BenchRow[]): void {
  const header = ['bench', 'metric', 'value', 'unit', 'target', 'ok'];
  const body = rows.map((row) => [row.bench, row.metric, formatValue(row.value), row.unit, row.target ?? '', row.ok === undefined ? '' : row.ok ? 'yes' : 'NO']);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => (column === 2 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const cells of body) console.log(line(cells));
  for (const row of rows.filter((r) => r.note)) console.log(`  ${row.bench} / ${row.metric}: ${row.note}`);
}

export function writeReport(name: string, rows: BenchRow[], extra: Record<string, unknown> = {}): string {
  const dir = path.resolve('reports');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const report = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    cpus: (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? null,
    rows,
    ...extra,
  };
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
