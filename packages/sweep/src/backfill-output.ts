import cliProgress from 'cli-progress';
import type { BackfillProgress, BackfillSummary } from './backfill-job.js';
import type { ProgressStream } from './progress-reporter.js';

export interface BackfillReporter {
  onProgress(progress: BackfillProgress): void;
  /** Ends the bar and prints the summary (a key=value line, or a JSON line off a terminal). */
  finish(summary: BackfillSummary): void;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/** "ETA 1m 05s" from core's `etaAt`, or "ETA --" while the rate is unknown (nothing pushed in the last minute). */
export function formatEta(etaAt: string | null, nowMs: number): string {
  if (etaAt === null) return 'ETA --';
  const left = Math.max(0, Math.round((Date.parse(etaAt) - nowMs) / 1000));
  const hours = Math.floor(left / 3600);
  const minutes = Math.floor((left % 3600) / 60);
  const rest = left % 60;
  const pad = (value: number) => String(value).padStart(2, '0');
  if (hours > 0) return `ETA ${hours}h ${pad(minutes)}m`;
  if (minutes > 0) return `ETA ${minutes}m ${pad(rest)}s`;
  return `ETA ${rest}s`;
}

/**
 * One stable `key=value` line, like the jobs' summaries. The first pairs are the org's backfill as
 * core counts it (across resumed runs); the `this run` pairs are this process's own work.
 */
export function formatBackfillSummaryLine(summary: BackfillSummary): string {
  const took = `in ${seconds(summary.durationMs)}`;
  if (summary.dryRun) return `backfill ${summary.orgId} (dry run): total=${summary.total ?? 0} ${took}`;
  if (!summary.ran) return `backfill ${summary.orgId}: skipped (another process is running this org's backfill; it resumes there) ${took}`;
  const status = summary.status;
  const run = summary.run;
  const org = `state=${summary.state} total=${summary.total ?? 'unknown'} enqueued=${status?.enqueued ?? 0} pushed=${status?.pushed ?? 0} failed=${status?.failed ?? 0} pending=${status?.pending ?? 0}`;
  const own = `queued=${run.enqueued} kept=${run.kept} invalid=${run.invalid} pushed=${run.pushed} failed=${run.failed} held=${run.held} retried=${run.retried}`;
  const interrupted = summary.interrupted ? ' (interrupted: run it again to resume from the cursor)' : '';
  return `backfill ${summary.orgId}: ${org}; this run ${own} ${took}${interrupted}`;
}

/** The summary as one JSON object (the last line off a terminal). */
export function backfillSummaryJson(summary: BackfillSummary): Record<string, unknown> {
  const status = summary.status;
  return {
    event: 'summary',
    org: summary.orgId,
    ran: summary.ran,
    ...(summary.dryRun ? { dryRun: true } : {}),
    state: summary.state,
    interrupted: summary.interrupted === true,
    total: summary.total,
    enqueued: status?.enqueued ?? 0,
    pushed: status?.pushed ?? 0,
    failed: status?.failed ?? 0,
    pending: status?.pending ?? 0,
    run: summary.run,
    durationMs: summary.durationMs,
    startedAt: summary.startedAt,
  };
}

/** One progress event as a JSON object. */
export function backfillProgressJson(progress: BackfillProgress): Record<string, unknown> {
  const { status } = progress;
  return {
    event: 'progress',
    org: progress.orgId,
    phase: progress.phase,
    state: status.state,
    total: status.total,
    enqueued: status.enqueued,
    pushed: status.pushed,
    failed: status.failed,
    pending: status.pending,
    ratePerSecond: progress.ratePerSecond,
    etaAt: progress.etaAt,
    run: progress.run,
  };
}

/** Off a terminal: one JSON line per progress event on stdout, then the summary as the last line. */
export function createJsonBackfillReporter(stdout: ProgressStream): BackfillReporter {
  return {
    onProgress: (progress) => void stdout.write(`${JSON.stringify(backfillProgressJson(progress))}\n`),
    finish: (summary) => void stdout.write(`${JSON.stringify(backfillSummaryJson(summary))}\n`),
  };
}

const ENQUEUE_FORMAT = 'backfill {org} enqueue [{bar}] {value}/{total} queued | pushed {pushed} failed {failed} | {backfillEta}';
const PUSH_FORMAT = 'backfill {org} push    [{bar}] {value}/{total} sent   | queued {enqueued} pending {pending} failed {failed} | {backfillEta}';

/**
 * On a terminal: a cli-progress bar on `barStream` per phase (queued of the host's count, then
 * pushed + failed of it) with core's ETA, and the summary line on `stdout` at the end.
 */
export function createTtyBackfillReporter(barStream: ProgressStream, stdout: ProgressStream, now: () => number = Date.now): BackfillReporter {
  let bar: cliProgress.SingleBar | null = null;
  let phase: BackfillProgress['phase'] | null = null;
  const stopBar = () => {
    bar?.stop();
    bar = null;
  };
  return {
    onProgress(progress) {
      const { status } = progress;
      const value = progress.phase === 'enqueue' ? status.enqueued : status.pushed + status.failed;
      const total = Math.max(status.total ?? value, value);
      const payload = {
        org: progress.orgId,
        enqueued: status.enqueued,
        pushed: status.pushed,
        failed: status.failed,
        pending: status.pending,
        // Not `eta`: cli-progress fills that token with its own estimate.
        backfillEta: formatEta(progress.etaAt, now()),
      };
      if (!barStream.isTTY) return;
      if (bar === null || phase !== progress.phase) {
        stopBar();
        phase = progress.phase;
        bar = new cliProgress.SingleBar(
          {
            stream: barStream as unknown as NodeJS.WritableStream,
            format: progress.phase === 'enqueue' ? ENQUEUE_FORMAT : PUSH_FORMAT,
            hideCursor: true,
            // The CLI handles SIGINT/SIGTERM itself (finish the page in flight, then exit).
            gracefulExit: false,
            fps: 10,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, value, payload);
        return;
      }
      bar.setTotal(total);
      bar.update(value, payload);
    },
    finish(summary) {
      stopBar();
      stdout.write(`${formatBackfillSummaryLine(summary)}\n`);
    },
  };
}
