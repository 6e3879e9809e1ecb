import { parseArgs } from 'node:util';
import { isHubSpotKitError } from '@jobcannon/hubspot-core';
import { isSweepJob, SWEEP_JOBS, type SweepJob } from './jobs.js';
import { DEFAULT_SCHEDULES, validateCronExpression } from './schedules.js';

/** Bad flags, env or configuration: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: jc-hubspot-sweep [options]
       jc-hubspot-sweep backfill --org <org> --source <module> [--dry-run] [-v]
       jc-hubspot-sweep reencrypt-tokens [-v]

Runs JobCannon's HubSpot sweep: the retry queue every 5 minutes and the partial-progress
sweep daily at 02:00 UTC, until SIGTERM/SIGINT. With --once it runs one job and exits.

backfill: sends the org's past (completed) results to its portal in the foreground, from the
module's completedInvites source: queues them page by page from the backfill's saved cursor,
then pushes them, with a progress bar on a terminal (JSON lines when stdout is not one) and a
summary line. SIGTERM/SIGINT stop after the page in flight; running it again resumes. With
--dry-run it only prints the source's count.

reencrypt-tokens: after a key rotation, re-encrypts every stored HubSpot token under
TOKEN_ENCRYPTION_KEY_ID (the old keys go in TOKEN_ENCRYPTION_OLD_KEYS), prints
"reencrypt-tokens scanned=N reencrypted=N alreadyCurrent=N failed=N" and exits 1 if any failed.

Options:
  --once [retry|partial]     run one job now and exit (default job: retry)
  --dry-run [retry|partial]  count what a run would push, change nothing, exit (implies --once)
  --source <module>          host module exporting inProgressInvites(orgId) (needed by partial)
                             and completedInvites { count, pages } (needed by backfill)
  --org <org>                backfill: the organization whose past results to send
  --retry-schedule <cron>    default "${DEFAULT_SCHEDULES.retry}" (UTC)
  --partial-schedule <cron>  default "${DEFAULT_SCHEDULES.partial}" (UTC); "off" runs only the retry job
  -v, --verbose              log info as well as warnings (JSON lines on stderr)
  -h, --help                 show this help

Environment: DATABASE_URL (required), HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET,
HUBSPOT_REDIRECT_URI, TOKEN_ENCRYPTION_KEY (base64, 32 bytes), JOBCANNON_RESULT_URL_BASE;
optional HUBSPOT_API_BASE, HUBSPOT_AUTH_BASE, TOKEN_ENCRYPTION_KEY_ID (default k1),
TOKEN_ENCRYPTION_OLD_KEYS (older keys still to read: "id:base64key,id:base64key").

Exit codes: 0 ok (or stopped by a signal: the next run resumes), 1 some invites failed
permanently, 2 bad usage or configuration (or the org is not connected), 3 database unreachable,
4 skipped (another instance is the leader, or runs the org's backfill), 5 unexpected error (or
the completedInvites source failed).`;

/** The commands that are not a job (`jc-hubspot-sweep <command>`). */
export const REENCRYPT_TOKENS = 'reencrypt-tokens';
export const BACKFILL = 'backfill';

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'reencrypt-tokens'; verbose: boolean }
  | { kind: 'backfill'; orgId: string; dryRun: boolean; source: string; verbose: boolean }
  | { kind: 'once'; job: SweepJob; dryRun: boolean; source: string | null; verbose: boolean }
  | { kind: 'schedule'; schedules: { retry: string; partial: string | false }; source: string | null; verbose: boolean };

export function parseCliArgs(argv: readonly string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      // `--once=partial` reads naturally but parseArgs refuses a value on a boolean flag: split it.
      args: argv.flatMap((arg) => (/^--(once|dry-run)=/.test(arg) ? arg.split(/=(.*)/s, 2) : [arg])),
      options: {
        once: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        source: { type: 'string' },
        org: { type: 'string' },
        'retry-schedule': { type: 'string' },
        'partial-schedule': { type: 'string' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  const verbose = values.verbose === true;
  const source = values.source ?? null;
  if (source !== null && source.trim() === '') throw new UsageError('--source needs a module path, e.g. --source ./sweep-source.js');

  const given = (flags: readonly (keyof typeof values)[]) => flags.filter((flag) => values[flag] !== undefined).map((flag) => `--${flag}`);
  if (positionals[0] === REENCRYPT_TOKENS) {
    const extra = [...positionals.slice(1), ...given(['once', 'dry-run', 'source', 'org', 'retry-schedule', 'partial-schedule'])];
    if (extra.length > 0) throw new UsageError(`${REENCRYPT_TOKENS} takes no other arguments (got ${extra.join(' ')}); only -v`);
    return { kind: 'reencrypt-tokens', verbose };
  }
  if (positionals[0] === BACKFILL) {
    const extra = [...positionals.slice(1), ...given(['once', 'retry-schedule', 'partial-schedule'])];
    if (extra.length > 0) throw new UsageError(`${BACKFILL} takes only --org, --source, --dry-run and -v (got ${extra.join(' ')})`);
    const orgId = values.org?.trim() ?? '';
    if (orgId === '') throw new UsageError(`${BACKFILL} needs the organization: jc-hubspot-sweep backfill --org <org> --source ./path/to/module.js`);
    if (source === null) throw new UsageError(`${BACKFILL} has nothing to read: pass --source ./path/to/module.js, a host module exporting completedInvites ({ count(orgId), pages(orgId, cursor) })`);
    return { kind: 'backfill', orgId, dryRun: values['dry-run'] === true, source, verbose };
  }
  if (values.org !== undefined) throw new UsageError(`--org applies to the backfill command: jc-hubspot-sweep backfill --org ${values.org} --source <module>`);

  const once = values.once === true || values['dry-run'] === true;
  if (positionals.length > 1) throw new UsageError(`Expected at most one job, got: ${positionals.join(' ')}`);
  const [jobArg] = positionals;
  if (jobArg !== undefined && !once) throw new UsageError(`Unexpected argument "${jobArg}"; to run one job now, use --once ${jobArg}`);
  if (jobArg !== undefined && !isSweepJob(jobArg)) throw new UsageError(`Unknown job "${jobArg}"; the jobs are ${SWEEP_JOBS.join(' and ')}`);

  if (once) {
    for (const flag of ['retry-schedule', 'partial-schedule'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} applies to the scheduled mode, not to --once/--dry-run`);
    }
    return { kind: 'once', job: jobArg ?? 'retry', dryRun: values['dry-run'] === true, source, verbose };
  }
  const partialFlag = values['partial-schedule'];
  return {
    kind: 'schedule',
    schedules: {
      retry: cronOrUsage(values['retry-schedule'] ?? DEFAULT_SCHEDULES.retry, 'retry'),
      partial: partialFlag === 'off' ? false : cronOrUsage(partialFlag ?? DEFAULT_SCHEDULES.partial, 'partial'),
    },
    source,
    verbose,
  };
}

function cronOrUsage(expression: string, job: SweepJob): string {
  try {
    return validateCronExpression(expression, job);
  } catch (error) {
    if (isHubSpotKitError(error, 'INVALID_OPTIONS')) throw new UsageError(error.message);
    throw error;
  }
}
