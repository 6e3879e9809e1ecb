import {
  createConsoleLogger,
  createHubSpotIntegration,
  createPostgresDatabase,
  isHubSpotKitError,
  type HubSpotIntegration,
  type InProgressInviteSource,
  type Logger,
} from '@jobcannon/hubspot-core';
import type { CompletedInviteSource } from './core-types.js';
import { countBackfill, runBackfillJob } from './backfill-job.js';
import { createJsonBackfillReporter, createTtyBackfillReporter } from './backfill-output.js';
import { parseCliArgs, USAGE, UsageError, type CliCommand } from './cli-args.js';
import { readCliEnv, redactDatabaseUrl } from './cli-env.js';
import { loadHostModule, requireCompletedInvites, requireInProgressInvites } from './cli-source.js';
import { isDatabaseUnreachable, isMissingTable } from './database-errors.js';
import { EXIT_CODES, exitCodeForBackfill, exitCodeForSummary } from './exit-codes.js';
import { runSweepJob, type RunSummary } from './jobs.js';
import { createProgressReporter, type ProgressStream } from './progress-reporter.js';
import { startSweep } from './start-sweep.js';
import { formatSummaryLine } from './summary-line.js';

type Signal = 'SIGTERM' | 'SIGINT';

export interface CliContext {
  argv: readonly string[];
  env: Record<string, string | undefined>;
  /** `--source` is resolved against it. */
  cwd: string;
  /** Summary lines. */
  stdout: ProgressStream;
  /** Messages, logs and (on a terminal) the progress bar. */
  stderr: ProgressStream;
  /** Where SIGTERM and SIGINT arrive: `process`. */
  signals: {
    on(signal: Signal, listener: (signal: Signal) => void): unknown;
    off(signal: Signal, listener: (signal: Signal) => void): unknown;
  };
}

/** The whole CLI, returning its exit code (see EXIT_CODES); `cli.ts` is the process wrapper. */
export async function runCli(context: CliContext): Promise<number> {
  const say = (line: string) => context.stderr.write(`jc-hubspot-sweep: ${line}\n`);
  let command: CliCommand;
  let databaseUrl: string;
  let integrationConfig: ReturnType<typeof readCliEnv>['integration'];
  let source: InProgressInviteSource | null = null;
  let completedInvites: CompletedInviteSource | null = null;
  try {
    command = parseCliArgs(context.argv);
    if (command.kind === 'help') {
      context.stdout.write(`${USAGE}\n`);
      return EXIT_CODES.ok;
    }
    ({ databaseUrl, integration: integrationConfig } = readCliEnv(context.env));
    const sourceFlag = command.kind === 'reencrypt-tokens' ? null : command.source;
    const needsSource = command.kind === 'once' ? command.job === 'partial' : command.kind === 'schedule' && command.schedules.partial !== false;
    if (needsSource && sourceFlag === null) {
      throw new UsageError(
        command.kind === 'once'
          ? 'the partial job has nothing to read: pass --source ./path/to/module.js, a host module exporting inProgressInvites(orgId)'
          : 'the 02:00 UTC partial job has nothing to read: pass --source ./path/to/module.js (exporting inProgressInvites(orgId)), or --partial-schedule off to run only the retry job',
      );
    }
    if (sourceFlag !== null) {
      const host = await loadHostModule(sourceFlag, context.cwd);
      if (needsSource) source = requireInProgressInvites(host, sourceFlag);
      if (command.kind === 'backfill') completedInvites = requireCompletedInvites(host, sourceFlag);
      // The jobs take it too when the module has it: the retry job's maintain() then resumes the
      // backfills a stopped process left running.
      else completedInvites = host.completedInvites;
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    say(error.message);
    say('run with --help for usage');
    return EXIT_CODES.usage;
  }

  const logger = createConsoleLogger(command.verbose ? 'info' : 'warn');
  const db = createPostgresDatabase(databaseUrl, { min: 0, max: 5 });
  let integration: HubSpotIntegration | null = null;
  const makeIntegration = (backfillSource: CompletedInviteSource | null) =>
    createHubSpotIntegration({
      db,
      ...integrationConfig,
      // This process pushes only inside its jobs, where the abort signal and the counts apply.
      pushOnEnqueue: false,
      ...(backfillSource ? { backfill: { source: backfillSource, mode: 'offered' as const } } : {}),
      logger,
    });
  try {
    // Validates the keyring and HubSpot settings before anything touches the network.
    integration = makeIntegration(completedInvites);
    await db.raw('SELECT 1');
    if (command.kind === 'reencrypt-tokens') return await runReencrypt(context, integration);
    if (command.kind === 'backfill') return await runBackfillCommand(context, integration, command, completedInvites!);
    return command.kind === 'once' ? await runOnce(context, integration, command, source) : await runScheduled(context, integration, command, source, logger);
  } catch (error) {
    if (isDatabaseUnreachable(error)) {
      say(`could not reach the database at ${redactDatabaseUrl(databaseUrl)}: ${(error as Error).message}`);
      return EXIT_CODES.database;
    }
    if (isMissingTable(error)) {
      say(`the database has no HubSpot tables (${(error as Error).message}): run the host's migrations first (core's runMigrations / integration.migrate())`);
      return EXIT_CODES.usage;
    }
    if (isHubSpotKitError(error, 'NOT_CONNECTED')) {
      say(`${error.message}: the org has no HubSpot connection in this database (connect it from the app first, or check --org)`);
      return EXIT_CODES.usage;
    }
    if (isHubSpotKitError(error, 'INVALID_OPTIONS') || isHubSpotKitError(error, 'ENCRYPTION_KEY_MISSING')) {
      say(`configuration: ${error.message}`);
      return EXIT_CODES.usage;
    }
    say(`the run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return EXIT_CODES.error;
  } finally {
    await integration?.close().catch(() => undefined);
    await db.destroy().catch(() => undefined);
  }
}

/**
 * First SIGTERM/SIGINT: finish the batch in hand, then exit. A second one cancels the HubSpot call in
 * flight too (its rows go back to the queue). Returns a function that removes the handlers.
 */
function onStopSignals(
  context: CliContext,
  graceful: () => void,
  cancel: () => void,
  messages = {
    graceful: 'finishing the current batch, then exiting (send it again to cancel the batch)',
    cancel: 'cancelling the batch in flight; its rows stay queued',
  },
): () => void {
  let received = 0;
  const listener = (signal: Signal) => {
    received += 1;
    if (received === 1) {
      context.stderr.write(`jc-hubspot-sweep: ${signal}: ${messages.graceful}\n`);
      graceful();
    } else {
      context.stderr.write(`jc-hubspot-sweep: ${signal} again: ${messages.cancel}\n`);
      cancel();
    }
  };
  context.signals.on('SIGTERM', listener);
  context.signals.on('SIGINT', listener);
  return () => {
    context.signals.off('SIGTERM', listener);
    context.signals.off('SIGINT', listener);
  };
}

/** One pass over the stored tokens; SIGTERM/SIGINT stop it between connections (those done stay done). */
async function runReencrypt(context: CliContext, integration: HubSpotIntegration): Promise<number> {
  const stop = new AbortController();
  const detach = onStopSignals(context, () => stop.abort(), () => stop.abort());
  try {
    const report = await integration.reencryptTokens({ signal: stop.signal });
    context.stdout.write(`reencrypt-tokens scanned=${report.scanned} reencrypted=${report.reencrypted} alreadyCurrent=${report.alreadyCurrent} failed=${report.failed}\n`);
    if (report.failed > 0) {
      context.stderr.write(`jc-hubspot-sweep: ${report.failed} connection(s) hold tokens no configured key opens (logged with their key ids): add the old key to TOKEN_ENCRYPTION_OLD_KEYS and run again, or have those orgs reconnect\n`);
      return EXIT_CODES.failures;
    }
    return EXIT_CODES.ok;
  } finally {
    detach();
  }
}

/**
 * The org's backfill in the foreground: started (or resumed at its cursor), queued page by page,
 * then pushed. On a terminal a progress bar on stderr and the summary line on stdout; otherwise JSON
 * lines on stdout, one per progress event, the summary last.
 */
async function runBackfillCommand(
  context: CliContext,
  integration: HubSpotIntegration,
  command: Extract<CliCommand, { kind: 'backfill' }>,
  source: CompletedInviteSource,
): Promise<number> {
  const reporter = context.stdout.isTTY ? createTtyBackfillReporter(context.stderr, context.stdout) : createJsonBackfillReporter(context.stdout);
  if (command.dryRun) {
    const summary = await countBackfill(source, command.orgId);
    reporter.finish(summary);
    return exitCodeForBackfill(summary);
  }
  const graceful = new AbortController();
  const cancel = new AbortController();
  const detach = onStopSignals(context, () => graceful.abort(), () => cancel.abort(), {
    graceful: 'finishing the page (or push step) in flight, then exiting; run the command again to resume (send it again to cancel the HubSpot call in flight)',
    cancel: 'cancelling the HubSpot call in flight; its rows stay queued',
  });
  try {
    const summary = await runBackfillJob(integration, command.orgId, {
      // Marked running only: this process runs it in the foreground (runBackfill) with progress.
      start: (orgId) => integration.startBackfill(orgId, { inBackground: false }),
      signal: graceful.signal,
      cancelSignal: cancel.signal,
      onProgress: reporter.onProgress,
    });
    reporter.finish(summary);
    if (summary.state === 'failed') {
      context.stderr.write(`jc-hubspot-sweep: the backfill of ${command.orgId} stopped: the completedInvites source failed (logged above); run the command again to resume from its cursor\n`);
    }
    return exitCodeForBackfill(summary);
  } finally {
    detach();
  }
}

async function runOnce(context: CliContext, integration: HubSpotIntegration, command: Extract<CliCommand, { kind: 'once' }>, source: InProgressInviteSource | null): Promise<number> {
  const graceful = new AbortController();
  const cancel = new AbortController();
  const detach = onStopSignals(context, () => graceful.abort(), () => cancel.abort());
  const reporter = createProgressReporter(context.stderr);
  try {
    const summary = await runSweepJob(integration, command.job, {
      ...(source ? { inProgressInvites: source } : {}),
      dryRun: command.dryRun,
      signal: graceful.signal,
      cancelSignal: cancel.signal,
      // Only a terminal shows progress; counting the queue for the bar's total costs queries.
      ...(context.stderr.isTTY ? { onProgress: reporter.onProgress } : {}),
    });
    reporter.finish();
    context.stdout.write(`${formatSummaryLine(summary)}\n`);
    warnAboutConnections(context, summary);
    return exitCodeForSummary(summary);
  } finally {
    reporter.finish();
    detach();
  }
}

/** What an operator can act on from maintain()'s connection checks (the summary line has the counts). */
function warnAboutConnections(context: CliContext, summary: RunSummary): void {
  const unreadable = summary.connections?.unreadable ?? 0;
  if (unreadable > 0) {
    context.stderr.write(`jc-hubspot-sweep: ${unreadable} connection(s) hold tokens no configured key decrypts: add the old key to TOKEN_ENCRYPTION_OLD_KEYS (then run reencrypt-tokens), or have those orgs reconnect\n`);
  }
}

async function runScheduled(
  context: CliContext,
  integration: HubSpotIntegration,
  command: Extract<CliCommand, { kind: 'schedule' }>,
  source: InProgressInviteSource | null,
  logger: Logger,
): Promise<number> {
  const reporter = createProgressReporter(context.stderr);
  const sweep = startSweep(integration, {
    schedules: command.schedules,
    ...(source ? { inProgressInvites: source } : {}),
    logger,
    ...(context.stderr.isTTY ? { onProgress: reporter.onProgress } : {}),
    onRun(summary) {
      reporter.finish();
      context.stdout.write(`${formatSummaryLine(summary)}\n`);
      warnAboutConnections(context, summary);
    },
    onError(error, job) {
      reporter.finish();
      context.stderr.write(`jc-hubspot-sweep: the ${job} run failed: ${error instanceof Error ? error.message : String(error)}\n`);
    },
  });
  const planned = Object.entries(sweep.schedules).map(([job, expression]) => `${job} "${expression}"`);
  context.stderr.write(`jc-hubspot-sweep: scheduled ${planned.join(', ')} (UTC); stop with SIGTERM or Ctrl-C\n`);
  let stopped: Promise<void> = Promise.resolve();
  let detach = () => {};
  await new Promise<void>((resolve) => {
    detach = onStopSignals(
      context,
      () => {
        stopped = sweep.stop();
        resolve();
      },
      () => void sweep.stop({ cancelInFlight: true }),
    );
  });
  try {
    await stopped;
  } finally {
    detach();
  }
  reporter.finish();
  return EXIT_CODES.ok;
}
