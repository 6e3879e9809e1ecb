// A small hand-written SVG line chart (polylines, axes, a legend); no dependency.
import fs from 'node:fs';
import path from 'node:path';

export interface ChartSeries {
  label: string;
  color: string;
  /** [x, y] in data units. */
  points: Array<[number, number]>;
  width?: number;
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  /** Notes printed under the title. */
  subtitle?: string;
}

const WIDTH = 900;
const HEIGHT = 480;
const MARGIN = { left: 70, right: 20, top: 60, bottom: 95 };

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** 1, 2 or 5 times a power of ten, so that about `count` ticks cover `max`. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const factor of [1, 2, 5, 10]) if (raw <= factor * power) return factor * power;
  return 10 * power;
}

export function renderChart(options: ChartOptions): string {
  const all = options.series.flatMap((series) => series.points);
  const xMax = Math.max(1, ...all.map(([x]) => x));
  const yStep = niceStep(Math.max(1, ...all.map(([, y]) => y)) * 1.05, 6);
  const yMax = yStep * Math.ceil((Math.max(1, ...all.map(([, y]) => y)) * 1.05) / yStep);
  const xStep = niceStep(xMax, 10);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + (x / xMax) * plotWidth;
  const sy = (y: number) => MARGIN.top + plotHeight - (y / yMax) * plotHeight;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif" font-size="12">`);
  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`);
  parts.push(`<text x="${MARGIN.left}" y="24" font-size="16" font-weight="600">${escape(options.title)}</text>`);
  if (options.subtitle) parts.push(`<text x="${MARGIN.left}" y="44" fill="#555">${escape(options.subtitle)}</text>`);
  for (let y = 0; y <= yMax + 1e-9; y += yStep) {
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end" fill="#444">${y.toLocaleString('en-US')}</text>`);
  }
  for (let x = 0; x <= xMax + 1e-9; x += xStep) {
    parts.push(`<line x1="${sx(x).toFixed(1)}" x2="${sx(x).toFixed(1)}" y1="${MARGIN.top + plotHeight}" y2="${MARGIN.top + plotHeight + 5}" stroke="#444"/>`);
    parts.push(`<text x="${sx(x).toFixed(1)}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle" fill="#444">${x.toLocaleString('en-US')}</text>`);
  }
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="#444"/>`);
  parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotHeight}" y2="${MARGIN.top + plotHeight}" stroke="#444"/>`);
  parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${MARGIN.top + plotHeight + 38}" text-anchor="middle">${escape(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(18 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escape(options.yLabel)}</text>`);
  for (const series of options.series) {
    if (series.points.length === 0) continue;
    const points = series.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    parts.push(
      `<polyline fill="none" stroke="${series.color}" stroke-width="${series.width ?? 2}"${series.dashed ? ' stroke-dasharray="6 4"' : ''} stroke-linejoin="round" points="${points}"/>`,
    );
  }
  options.series.forEach((series, index) => {
    const column = index % 2;
    const row = Math.floor(index / 2);
    const x = MARGIN.left + column * (plotWidth / 2);
    const y = MARGIN.top + plotHeight + 58 + row * 18;
    parts.push(`<line x1="${x}" x2="${x + 26}" y1="${y - 4}" y2="${y - 4}" stroke="${series.color}" stroke-width="${series.width ?? 2}"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${x + 32}" y="${y}">${escape(series.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export function writeChart(name: string, options: ChartOptions): string {
  const dir = path.resolve('reports');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, renderChart(options));
  return file;
}
