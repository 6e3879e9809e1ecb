import { lockNameFor, type RunSummary } from './jobs.js';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/**
 * One line per run, for logs and schedulers that keep stdout: `retry: pushed=12 failed=0 held=0
 * retried=1 in 1.2s`. Stable `key=value` pairs, so a log pipeline can parse them.
 */
export function formatSummaryLine(summary: RunSummary): string {
  const took = `in ${seconds(summary.durationMs)}`;
  if (!summary.ran) {
    const why = summary.skipped === 'not-leader' ? `not the leader: another run holds ${lockNameFor(summary.job)}` : 'the sweep is stopping';
    return `${summary.job}: skipped (${why}) ${took}`;
  }
  const interrupted = summary.interrupted ? ' (interrupted: the next run picks up the rest)' : '';
  if (summary.dryRun) {
    const counts =
      summary.job === 'retry'
        ? `due=${summary.due ?? 0} orgs=${summary.orgs ?? 0}`
        : `seen=${summary.seen ?? 0} would-enqueue=${summary.enqueued ?? 0} invalid=${summary.invalid ?? 0} orgs=${summary.orgs ?? 0}`;
    return `${summary.job} (dry run): ${counts} ${took}${interrupted}`;
  }
  const pairs: string[] = [];
  if (summary.job === 'partial') {
    pairs.push(`seen=${summary.seen ?? 0}`, `enqueued=${summary.enqueued ?? 0}`, `kept=${summary.kept ?? 0}`, `invalid=${summary.invalid ?? 0}`);
  }
  pairs.push(`pushed=${summary.pushed}`, `failed=${summary.failed}`, `held=${summary.held}`, `retried=${summary.retried}`);
  if (summary.reclaimed) pairs.push(`reclaimed=${summary.reclaimed}`);
  // Only when someone has to act: an org to reconnect, or tokens that need an old key back.
  if (summary.connections?.mustReconnect) pairs.push(`mustReconnect=${summary.connections.mustReconnect}`);
  if (summary.connections?.unreadable) pairs.push(`unreadable=${summary.connections.unreadable}`);
  return `${summary.job}: ${pairs.join(' ')} ${took}${interrupted}`;
}
