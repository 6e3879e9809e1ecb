import { parseArgs } from 'node:util';
import { isHubSpotKitError } from '@jobcannon/hubspot-core';
import { isSweepJob, SWEEP_JOBS, type SweepJob } from './jobs.js';
import { DEFAULT_SCHEDULES, validateCronExpression } from './schedules.js';

/** Bad flags, env or configuration: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: jc-hubspot-sweep [options]
       jc-hubspot-sweep reencrypt-tokens [-v]

Runs JobCannon's HubSpot sweep: the retry queue every 5 minutes and the partial-progress
sweep daily at 02:00 UTC, until SIGTERM/SIGINT. With --once it runs one job and exits.

reencrypt-tokens: after a key rotation, re-encrypts every stored HubSpot token under
TOKEN_ENCRYPTION_KEY_ID (the old keys go in TOKEN_ENCRYPTION_OLD_KEYS), prints
"reencrypt-tokens scanned=N reencrypted=N alreadyCurrent=N failed=N" and exits 1 if any failed.

Options:
  --once [retry|partial]     run one job now and exit (default job: retry)
  --dry-run [retry|partial]  count what a run would push, change nothing, exit (implies --once)
  --source <module>          host module exporting inProgressInvites(orgId) (needed by partial)
  --retry-schedule <cron>    default "${DEFAULT_SCHEDULES.retry}" (UTC)
  --partial-schedule <cron>  default "${DEFAULT_SCHEDULES.partial}" (UTC); "off" runs only the retry job
  -v, --verbose              log info as well as warnings (JSON lines on stderr)
  -h, --help                 show this help

Environment: DATABASE_URL (required), HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET,
HUBSPOT_REDIRECT_URI, TOKEN_ENCRYPTION_KEY (base64, 32 bytes), JOBCANNON_RESULT_URL_BASE;
optional HUBSPOT_API_BASE, HUBSPOT_AUTH_BASE, TOKEN_ENCRYPTION_KEY_ID (default k1),
TOKEN_ENCRYPTION_OLD_KEYS (older keys still to read: "id:base64key,id:base64key").

Exit codes: 0 ok, 1 some invites failed permanently, 2 bad usage or configuration,
3 database unreachable, 4 skipped (another instance is the leader), 5 unexpected error.`;

/** The commands that are not a job (`jc-hubspot-sweep <command>`). */
export const REENCRYPT_TOKENS = 'reencrypt-tokens';

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'reencrypt-tokens'; verbose: boolean }
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

  if (positionals[0] === REENCRYPT_TOKENS) {
    const extra = [...positionals.slice(1), ...(['once', 'dry-run', 'source', 'retry-schedule', 'partial-schedule'] as const).filter((flag) => values[flag] !== undefined).map((flag) => `--${flag}`)];
    if (extra.length > 0) throw new UsageError(`${REENCRYPT_TOKENS} takes no other arguments (got ${extra.join(' ')}); only -v`);
    return { kind: 'reencrypt-tokens', verbose };
  }

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
