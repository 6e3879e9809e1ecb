import cliProgress from 'cli-progress';
import type { SweepProgress } from './jobs.js';

export interface ProgressStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressReporter {
  onProgress(progress: SweepProgress): void;
  /** Ends the run's bar (call before printing its summary line). */
  finish(): void;
}

const DRAIN_FORMAT = '{job} push    [{bar}] {value}/{total} rows | pushed {pushed} failed {failed} retried {retried} held {held} | {duration_formatted}';
// The partial source is streamed, so its size is unknown: counts instead of a bar.
const ENQUEUE_FORMAT = '{job} enqueue {value} invites read | {enqueued} enqueued | {duration_formatted}';

/**
 * A cli-progress bar per phase on a terminal. Off a terminal nothing is drawn: the caller prints
 * one summary line per run, which is what logs and schedulers want.
 */
export function createProgressReporter(stream: ProgressStream): ProgressReporter {
  if (!stream.isTTY) return { onProgress() {}, finish() {} };
  let bar: cliProgress.SingleBar | null = null;
  let phase: string | null = null;

  const finish = () => {
    bar?.stop();
    bar = null;
    phase = null;
  };

  return {
    onProgress(progress) {
      const drain = progress.phase === 'drain';
      const done = drain ? progress.pushed + progress.failed + progress.retried + progress.held : progress.seen;
      const total = drain ? Math.max(progress.total ?? done, done) : progress.seen;
      const payload = drain
        ? { job: progress.job, pushed: progress.pushed, failed: progress.failed, retried: progress.retried, held: progress.held }
        : { job: progress.job, enqueued: progress.enqueued };
      const key = `${progress.job}:${progress.phase}`;
      if (bar === null || phase !== key) {
        finish();
        phase = key;
        bar = new cliProgress.SingleBar(
          {
            stream: stream as unknown as NodeJS.WritableStream,
            format: drain ? DRAIN_FORMAT : ENQUEUE_FORMAT,
            hideCursor: true,
            // The CLI handles SIGINT/SIGTERM itself (finish the batch, then exit).
            gracefulExit: false,
            fps: 10,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done, payload);
        return;
      }
      bar.setTotal(total);
      bar.update(done, payload);
    },
    finish,
  };
}
