import type { BackfillSummary } from './backfill-job.js';
import type { RunSummary } from './jobs.js';

/** What `jc-hubspot-sweep` exits with, so a scheduler (cron, Kubernetes CronJob, systemd) can tell runs apart. */
export const EXIT_CODES = Object.freeze({
  /** The run did its work (or was interrupted cleanly by SIGTERM/SIGINT; the next run continues). */
  ok: 0,
  /** Some invites failed permanently (HubSpot refused them, retries ran out, or they were invalid). */
  failures: 1,
  /** Bad usage or configuration: unknown flag, missing env, bad cron, no --source for the partial job or the backfill, an org not connected. */
  usage: 2,
  /** Could not reach the database. */
  database: 3,
  /** Another instance holds the job's lock (or runs the org's backfill): this run did nothing. */
  skipped: 4,
  /** The run failed unexpectedly, or the host's completed-invite source failed (the message is on stderr). */
  error: 5,
});

export function exitCodeForSummary(summary: RunSummary): number {
  if (!summary.ran) return EXIT_CODES.skipped;
  // A dry run changes nothing, so nothing can have failed.
  if (summary.dryRun) return EXIT_CODES.ok;
  if (summary.failed > 0 || (summary.invalid ?? 0) > 0) return EXIT_CODES.failures;
  return EXIT_CODES.ok;
}

/** The backfill command's exit code, on the same scale as the jobs'. */
export function exitCodeForBackfill(summary: BackfillSummary): number {
  if (summary.dryRun) return EXIT_CODES.ok;
  if (!summary.ran) return EXIT_CODES.skipped;
  // The host's source threw: core stopped the backfill with the reason; running it again resumes at the cursor.
  if (summary.state === 'failed') return EXIT_CODES.error;
  if (summary.run.failed > 0 || summary.run.invalid > 0) return EXIT_CODES.failures;
  return EXIT_CODES.ok;
}
