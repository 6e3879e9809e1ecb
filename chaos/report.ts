// How a chaos run is shown: a plain-text table on stdout, the whole outcome as JSON, and a
// hand-written SVG of contacts delivered over time with the disruptions marked (no chart library:
// a polyline is all it takes, and the report must render anywhere).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChaosOutcome, ThroughputSample, TimelineEvent } from './scenario.js';

export const REPORTS_DIR = fileURLToPath(new URL('../reports/', import.meta.url));

const percent = (ratio: number) => `${(ratio * 100).toFixed(2)}%`;
const count = (value: number) => value.toLocaleString('en-US');

/** The invariants with what they must be, then the error budget, disruption checks and context. */
export function formatTable(outcome: ChaosOutcome): string {
  const { counts } = outcome.verdict;
  const rows: Array<[string, string, string, boolean | null]> = [
    ['lost', count(counts.lost), '0', counts.lost === 0],
    ['wrong', count(counts.wrong), '0', counts.wrong === 0],
    ['stale-overwrite', count(counts.staleOverwrite), '0', counts.staleOverwrite === 0],
    ['duplicate', count(counts.duplicate), '0', counts.duplicate === 0],
    ['unexpected contact', count(counts.unexpected), '0', counts.unexpected === 0],
    ['valid candidate failed', count(counts.unexpectedFailed), '0', counts.unexpectedFailed === 0],
    ['failed, transient reason', count(counts.failedTransient), '0', counts.failedTransient === 0],
    ['failed with code+details', count(counts.failedWithReason), count(counts.expectedFailed), counts.failedWithReason === counts.expectedFailed],
    ['rows left unsettled', count(outcome.unsettled), '0', outcome.unsettled === 0],
    ['contacts matched', count(counts.matched), count(counts.expected), null],
    ['requests to HubSpot', count(outcome.errors.requests), '', null],
    ['error ratio, all errors', `${count(outcome.errors.errors)} (${percent(outcome.errors.errorRatio)})`, '', null],
    ['  injected faults', count(outcome.errors.byCause['injected-fault']), '', null],
    ['error ratio, not injected', `${count(outcome.errors.nonFaultErrors)} (${percent(outcome.errors.nonFaultRatio)})`, '', null],
    ['  provoked by disruptions', count(outcome.errors.nonFaultErrors - outcome.errors.ownErrors), '', null],
    ['error ratio, our own', `${count(outcome.errors.ownErrors)} (${percent(outcome.errors.ownRatio)})`, `<= ${percent(outcome.errors.budget)}`, outcome.errors.withinBudget],
  ];
  const width = [Math.max(...rows.map((row) => row[0].length)), Math.max(...rows.map((row) => row[1].length)), Math.max(8, ...rows.map((row) => row[2].length))];
  const line = (cells: [string, string, string, string]) => `  ${cells[0].padEnd(width[0]!)}  ${cells[1].padStart(width[1]!)}  ${cells[2].padStart(width[2]!)}  ${cells[3]}`;
  const out: string[] = [];
  const o = outcome.options;
  out.push(
    `chaos run${o.quick ? ' (quick)' : ''}: seed ${o.seed}, ${count(outcome.candidates)} candidates, ${count(outcome.snapshotsOffered)} snapshots offered, ${o.orgs} orgs/portals, ${(outcome.durationMs / 1000).toFixed(1)} s`,
  );
  out.push(line(['invariant', 'value', 'expected', '']));
  out.push(line(['-'.repeat(width[0]!), '-'.repeat(width[1]!), '-'.repeat(width[2]!), '']));
  for (const [name, value, expected, ok] of rows) out.push(line([name, value, expected, ok === null ? '' : ok ? 'ok' : 'FAIL']));
  out.push('');
  out.push('  own and provoked errors by cause: ' + Object.entries(outcome.errors.byCause).filter(([cause, n]) => n > 0 && cause !== 'injected-fault').map(([cause, n]) => `${cause} ${n}`).join(', '));
  out.push(`  candidates by kind: ${Object.entries(outcome.candidatesByKind).map(([kind, n]) => `${kind} ${n}`).join(', ')}`);
  out.push(`  enqueue outcomes: queued ${outcome.enqueue.queued}, refused as older ${outcome.enqueue.stale}, refused partial-after-completed ${outcome.enqueue.partialAfterCompleted}, transactions retried ${outcome.enqueue.retriedTransactions}`);
  const f = outcome.outages.figures;
  out.push(
    `  outages (simulated clock, ${count(outcome.outages.candidates)} more candidates, ${f.simulatedMinutes} simulated minutes in ${(outcome.outages.durationMs / 1000).toFixed(1)} s):`,
    `    HubSpot down ${f.hubspotOutage.minutes} min: ${f.hubspotOutage.answered503} upserts answered 503, ${f.hubspotOutage.failedDuring} rows failed, delivered ${f.hubspotOutage.minutesToDeliverAfter} min after`,
    `    token endpoint down ${f.tokenOutage.minutes} min: ${f.tokenOutage.tokenCalls} token calls (max ${f.tokenOutage.maxTokenCallsPerMinute}/min), ${f.tokenOutage.upserts401} of ${f.tokenOutage.upsertsDuringOutage} upserts answered 401 (${f.tokenOutage.upserts401Knowingly} sent after the kit's refresh for the first 401), lastError ${f.tokenOutage.lastErrorCode}, delivered ${f.tokenOutage.minutesToDeliverAfter} min after`,
    `    invalid after held: ${f.invalidAfterHeld.heldBefore} held, ${f.invalidAfterHeld.refusedAtEnqueue} refused, ${f.invalidAfterHeld.listedApart} listed apart`,
    `    deleted group: re-created ${f.deletedGroup.groupRecreated}, ${f.deletedGroup.propertyCreates} property creates, ${f.deletedGroup.upsert400s} upsert 400s, ${f.deletedGroup.failed} failed`,
    `    wrong key ${f.wrongKey.minutes} min: ${f.wrongKey.drains} drains claimed ${f.wrongKey.claims} of ${f.wrongKey.rows} rows, ${f.wrongKey.requests} requests, ${f.wrongKey.decryptionLogs} log lines, status ${f.wrongKey.lastErrorCode}`,
    `    their requests: ${count(outcome.outages.errors.requests)}, errors ${count(outcome.outages.errors.errors)} (injected ${outcome.outages.errors.byCause['injected-fault']}, own ${outcome.outages.errors.ownErrors})`,
  );
  const sp = outcome.sharedPortal;
  out.push(
    `  shared portal: ${sp.workers} instances, ${count(sp.rows)} rows in ${count(sp.upserts)} upserts of ${sp.rowsPerRequest}; 429s ${count(sp.rateLimited)} of ${count(sp.requests)} requests (${percent(sp.rateLimitedRatio)}); at most ${sp.maxRequestsIn10s} requests in 10 s (HubSpot 110, kit 100); ${(sp.drainMs / 1000).toFixed(1)} s`,
  );
  const bk = outcome.backfillKill;
  out.push(
    `  backfill killed halfway: ${count(bk.invites)} past invites in ${bk.pages} pages of ${bk.pageSize}; SIGKILLed at ${count(bk.atKill.queued)} queued (${bk.atKill.pagesQueued} pages, ${bk.atKill.pagesRead} read), ${count(bk.atKill.leased)} rows leased (${bk.atKill.batchesInFlight} batches in flight); locks gone after ${bk.lockFreeAfterMs} ms, ${bk.turnedAway} resumes turned away`,
    `    pages read twice ${bk.pagesReadTwice} (<= 1, the page in flight), never read ${bk.pagesNeverRead}; snapshots sent twice ${count(bk.sentTwice)} (page in flight ${bk.sentTwiceFromPageInFlight}, leased by the killed worker ${bk.sentTwiceLeasedByKilled}, beyond ${bk.sentTwiceBeyond}), three times ${bk.sentMoreThanTwice}; ${count(bk.upsertInputs)} contact inputs in ${bk.upsertRequests} upserts; settled ${(bk.resumeMs / 1000).toFixed(1)} s after the kill`,
  );
  out.push('');
  out.push('  disruption checks');
  for (const check of outcome.checks) out.push(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`);
  if (outcome.verdict.issues.length > 0) {
    out.push('');
    out.push(`  first issues (${outcome.verdict.issues.length} shown)`);
    for (const issue of outcome.verdict.issues.slice(0, 15)) {
      const diffs = issue.diffs ? ` ${issue.diffs.slice(0, 4).map(([field, want, got]) => `${field}: want ${JSON.stringify(want)} got ${JSON.stringify(got)}`).join('; ')}` : '';
      out.push(`  - ${issue.kind} ${issue.orgId ?? `hub ${issue.hubId}`} ${issue.email}${issue.detail ? ` (${issue.detail})` : ''}${diffs}`);
    }
  }
  out.push('');
  out.push(outcome.ok ? '  RESULT: every invariant holds' : `  RESULT: FAILED - ${outcome.failures.join('; ')}`);
  return out.join('\n');
}

export function writeJsonReport(outcome: ChaosOutcome, name: string): string {
  const file = join(REPORTS_DIR, `${name}.json`);
  mkdirSync(dirname(file), { recursive: true });
  // Samples are thinned to ~1/s: the SVG has the full resolution, the JSON stays reviewable.
  const samples = outcome.samples.filter((_, index) => index % 4 === 0 || index === outcome.samples.length - 1);
  writeFileSync(file, `${JSON.stringify({ generatedAt: new Date().toISOString(), ...outcome, samples }, null, 2)}\n`);
  return file;
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  const normalized = raw / magnitude;
  return (normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10) * magnitude;
}

/** Contacts created and contact writes over time, one polyline each, disruptions as dashed lines. */
export function throughputSvg(samples: readonly ThroughputSample[], timeline: readonly TimelineEvent[], title: string): string {
  const width = 960;
  const height = 440;
  const margin = { left: 70, right: 20, top: 40, bottom: 150 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const maxT = Math.max(1, ...samples.map((entry) => entry.t), ...timeline.map((entry) => entry.t));
  const maxY = Math.max(1, ...samples.map((entry) => entry.writes));
  const x = (t: number) => margin.left + (t / maxT) * plotW;
  const y = (value: number) => margin.top + plotH - (value / maxY) * plotH;
  const points = (pick: (entry: ThroughputSample) => number) => samples.map((entry) => `${x(entry.t).toFixed(1)},${y(pick(entry)).toFixed(1)}`).join(' ');
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${margin.left}" y="22" font-size="14" font-weight="bold">${escapeXml(title)}</text>`);
  const yStep = niceStep(maxY, 5);
  for (let value = 0; value <= maxY + 1e-9; value += yStep) {
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${(y(value) + 4).toFixed(1)}" text-anchor="end">${count(Math.round(value))}</text>`);
  }
  const tStep = niceStep(maxT, 10);
  for (let t = 0; t <= maxT + 1e-9; t += tStep) {
    parts.push(`<text x="${x(t).toFixed(1)}" y="${margin.top + plotH + 16}" text-anchor="middle">${Math.round(t)}s</text>`);
  }
  parts.push(`<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#333"/>`);
  parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" stroke="#333"/>`);
  timeline.forEach((entry, index) => {
    const ex = x(entry.t).toFixed(1);
    parts.push(`<line x1="${ex}" x2="${ex}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#c0392b" stroke-dasharray="4 3" stroke-opacity="0.6"/>`);
    parts.push(`<text x="${ex}" y="${margin.top - 4}" fill="#c0392b" text-anchor="middle" font-size="9">${index + 1}</text>`);
  });
  parts.push(`<polyline fill="none" stroke="#95a5a6" stroke-width="1.5" points="${points((entry) => entry.writes)}"/>`);
  parts.push(`<polyline fill="none" stroke="#2471a3" stroke-width="2" points="${points((entry) => entry.contacts)}"/>`);
  const legendY = margin.top + plotH + 34;
  parts.push(`<line x1="${margin.left}" x2="${margin.left + 24}" y1="${legendY}" y2="${legendY}" stroke="#2471a3" stroke-width="2"/><text x="${margin.left + 30}" y="${legendY + 4}">contacts in HubSpot (created)</text>`);
  parts.push(`<line x1="${margin.left + 230}" x2="${margin.left + 254}" y1="${legendY}" y2="${legendY}" stroke="#95a5a6" stroke-width="1.5"/><text x="${margin.left + 260}" y="${legendY + 4}">contact writes (created + updated)</text>`);
  const columns = 2;
  timeline.forEach((entry, index) => {
    const column = index % columns;
    const row = Math.floor(index / columns);
    const label = `${index + 1}. ${entry.t.toFixed(1)}s ${entry.label}`;
    parts.push(`<text x="${margin.left + column * 440}" y="${legendY + 20 + row * 13}" font-size="9.5" fill="#555">${escapeXml(label.length > 84 ? `${label.slice(0, 83)}…` : label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export function writeThroughputSvg(outcome: ChaosOutcome, name: string): string {
  const file = join(REPORTS_DIR, `${name}.svg`);
  mkdirSync(dirname(file), { recursive: true });
  const title = `Chaos run${outcome.options.quick ? ' (quick)' : ''}: ${count(outcome.candidates)} candidates, seed ${outcome.options.seed}, ${(outcome.durationMs / 1000).toFixed(0)} s${outcome.ok ? '' : ' - FAILED'}`;
  writeFileSync(file, throughputSvg(outcome.samples, outcome.timeline, title));
  return file;
}
