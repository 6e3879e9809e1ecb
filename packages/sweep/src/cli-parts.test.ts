import { describe, expect, it } from 'vitest';
import type { BackfillSummary } from './backfill-job.js';
import { createJsonBackfillReporter, createTtyBackfillReporter, formatBackfillSummaryLine, formatEta } from './backfill-output.js';
import { parseCliArgs, USAGE, UsageError } from './cli-args.js';
import { isDatabaseUnreachable } from './database-errors.js';
import { EXIT_CODES, exitCodeForBackfill, exitCodeForSummary } from './exit-codes.js';
import type { RunSummary } from './jobs.js';
import { createProgressReporter } from './progress-reporter.js';
import { formatSummaryLine } from './summary-line.js';

const summary = (overrides: Partial<RunSummary>): RunSummary => ({ job: 'retry', ran: true, pushed: 0, failed: 0, held: 0, retried: 0, durationMs: 1_234, startedAt: '2026-05-02T00:05:00.000Z', ...overrides });

describe('parseCliArgs', () => {
  it('reads --once with or without a job, and --dry-run as a one-off', () => {
    expect(parseCliArgs(['--once'])).toEqual({ kind: 'once', job: 'retry', dryRun: false, source: null, verbose: false });
    expect(parseCliArgs(['--once', 'partial', '--source', './invites.js'])).toMatchObject({ kind: 'once', job: 'partial', source: './invites.js' });
    expect(parseCliArgs(['--once=partial'])).toMatchObject({ kind: 'once', job: 'partial' });
    expect(parseCliArgs(['--dry-run'])).toMatchObject({ kind: 'once', job: 'retry', dryRun: true });
    expect(parseCliArgs(['partial', '--dry-run', '-v'])).toMatchObject({ kind: 'once', job: 'partial', dryRun: true, verbose: true });
  });

  // Failed before: "reencrypt-tokens" was an unexpected argument.
  it('reads the reencrypt-tokens command, alone or with -v, and refuses job flags with it', () => {
    expect(parseCliArgs(['reencrypt-tokens'])).toEqual({ kind: 'reencrypt-tokens', verbose: false });
    expect(parseCliArgs(['reencrypt-tokens', '-v'])).toEqual({ kind: 'reencrypt-tokens', verbose: true });
    expect(() => parseCliArgs(['reencrypt-tokens', '--once'])).toThrow(/reencrypt-tokens takes no other arguments \(got --once\)/);
    expect(() => parseCliArgs(['reencrypt-tokens', 'now'])).toThrow(UsageError);
    expect(USAGE).toContain('jc-hubspot-sweep reencrypt-tokens');
  });

  // Failed before: "backfill" was an unexpected argument.
  it('reads the backfill command: --org and --source required, --dry-run and -v allowed, job flags refused', () => {
    expect(parseCliArgs(['backfill', '--org', 'org-1', '--source', './host.js'])).toEqual({ kind: 'backfill', orgId: 'org-1', dryRun: false, source: './host.js', verbose: false });
    expect(parseCliArgs(['--org=org-1', 'backfill', '--source', './host.js', '--dry-run', '-v'])).toEqual({ kind: 'backfill', orgId: 'org-1', dryRun: true, source: './host.js', verbose: true });
    expect(() => parseCliArgs(['backfill', '--source', './host.js'])).toThrow(/backfill needs the organization: jc-hubspot-sweep backfill --org <org>/);
    expect(() => parseCliArgs(['backfill', '--org', '  ', '--source', './host.js'])).toThrow(/backfill needs the organization/);
    expect(() => parseCliArgs(['backfill', '--org', 'org-1'])).toThrow(/backfill has nothing to read: pass --source .* exporting completedInvites/);
    expect(() => parseCliArgs(['backfill', '--org', 'org-1', '--source', './host.js', '--once'])).toThrow(/backfill takes only --org, --source, --dry-run and -v \(got --once\)/);
    expect(() => parseCliArgs(['backfill', 'org-1', '--source', './host.js'])).toThrow(/\(got org-1\)/);
    expect(() => parseCliArgs(['--once', '--org', 'org-1'])).toThrow(/--org applies to the backfill command/);
    expect(() => parseCliArgs(['reencrypt-tokens', '--org', 'org-1'])).toThrow(/reencrypt-tokens takes no other arguments \(got --org\)/);
    expect(() => parseCliArgs(['backfill', '--org'])).toThrow(UsageError);
    expect(USAGE).toContain('jc-hubspot-sweep backfill --org <org> --source <module>');
  });

  it('defaults to the scheduled mode with the default schedules; "off" drops the partial job', () => {
    expect(parseCliArgs([])).toEqual({ kind: 'schedule', schedules: { retry: '*/5 * * * *', partial: '0 2 * * *' }, source: null, verbose: false });
    expect(parseCliArgs(['--retry-schedule', '*/10 * * * *', '--partial-schedule', 'off'])).toMatchObject({ schedules: { retry: '*/10 * * * *', partial: false } });
    expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--onse'], "Unknown option '--onse'"],
    [['--once', 'nightly'], 'Unknown job "nightly"; the jobs are retry and partial'],
    [['retry'], 'Unexpected argument "retry"; to run one job now, use --once retry'],
    [['--once', 'retry', 'partial'], 'Expected at most one job, got: retry partial'],
    [['--once', '--retry-schedule', '* * * * *'], '--retry-schedule applies to the scheduled mode'],
    [['--source'], "Option '--source <value>' argument missing"],
    [['--partial-schedule', '0 2 * *'], 'Invalid cron expression "0 2 * *" for the partial schedule: expected 5 or 6 fields but got 4.'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(expect.objectContaining({ name: 'UsageError', message: expect.stringContaining(message) }));
  });
});

describe('exit codes', () => {
  it('tell a scheduler what happened', () => {
    expect(exitCodeForSummary(summary({ pushed: 5 }))).toBe(EXIT_CODES.ok);
    expect(exitCodeForSummary(summary({ pushed: 5, interrupted: true }))).toBe(0);
    expect(exitCodeForSummary(summary({ failed: 1 }))).toBe(1);
    expect(exitCodeForSummary(summary({ job: 'partial', invalid: 2 }))).toBe(1);
    expect(exitCodeForSummary(summary({ ran: false, skipped: 'not-leader' }))).toBe(4);
    expect(exitCodeForSummary(summary({ job: 'partial', dryRun: true, invalid: 3 }))).toBe(0);
    expect(EXIT_CODES).toEqual({ ok: 0, failures: 1, usage: 2, database: 3, skipped: 4, error: 5 });
  });

  it('tell a scheduler how a backfill ended', () => {
    const run = { enqueued: 10, kept: 0, invalid: 0, pushed: 10, failed: 0, held: 0, retried: 0 };
    const backfill = (overrides: Partial<BackfillSummary>): BackfillSummary => ({ orgId: 'o', ran: true, state: 'done', status: null, total: 10, run, durationMs: 0, startedAt: '', ...overrides });
    expect(exitCodeForBackfill(backfill({}))).toBe(0);
    expect(exitCodeForBackfill(backfill({ state: 'running', interrupted: true }))).toBe(0);
    expect(exitCodeForBackfill(backfill({ state: 'cancelled' }))).toBe(0);
    expect(exitCodeForBackfill(backfill({ run: { ...run, failed: 1 } }))).toBe(1);
    expect(exitCodeForBackfill(backfill({ run: { ...run, invalid: 2 } }))).toBe(1);
    expect(exitCodeForBackfill(backfill({ ran: false }))).toBe(4);
    expect(exitCodeForBackfill(backfill({ state: 'failed' }))).toBe(5);
    expect(exitCodeForBackfill(backfill({ dryRun: true, state: null }))).toBe(0);
  });

  it('classify unreachable databases', () => {
    expect(isDatabaseUnreachable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error('database "x" does not exist'), { code: '3D000' }))).toBe(true);
    expect(isDatabaseUnreachable(new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' }), Object.assign(new Error('b'), { code: 'ECONNREFUSED' })]))).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error('syntax error'), { code: '42601' }))).toBe(false);
    expect(isDatabaseUnreachable(new Error('boom'))).toBe(false);
  });
});

describe('formatSummaryLine', () => {
  it('prints one key=value line per run', () => {
    expect(formatSummaryLine(summary({ pushed: 12, retried: 1 }))).toBe('retry: pushed=12 failed=0 held=0 retried=1 in 1.2s');
    // maintain()'s connection checks: on the line only when someone has to act.
    expect(formatSummaryLine(summary({ pushed: 2, connections: { checked: 9, mustReconnect: 0, unreadable: 0 }, prunedSyncLog: 40 }))).toBe('retry: pushed=2 failed=0 held=0 retried=0 in 1.2s');
    expect(formatSummaryLine(summary({ connections: { checked: 9, mustReconnect: 2, unreadable: 1 } }))).toBe('retry: pushed=0 failed=0 held=0 retried=0 mustReconnect=2 unreadable=1 in 1.2s');
    expect(formatSummaryLine(summary({ pushed: 12, reclaimed: 3, interrupted: true }))).toBe('retry: pushed=12 failed=0 held=0 retried=0 reclaimed=3 in 1.2s (interrupted: the next run picks up the rest)');
    expect(formatSummaryLine(summary({ job: 'partial', seen: 500, enqueued: 498, kept: 2, invalid: 0, pushed: 498, durationMs: 61_050 }))).toBe(
      'partial: seen=500 enqueued=498 kept=2 invalid=0 pushed=498 failed=0 held=0 retried=0 in 61.0s',
    );
    expect(formatSummaryLine(summary({ ran: false, skipped: 'not-leader', durationMs: 4 }))).toBe('retry: skipped (not the leader: another run holds jc-hubspot-sweep:retry) in 0.0s');
    expect(formatSummaryLine(summary({ dryRun: true, due: 40, orgs: 2, durationMs: 80 }))).toBe('retry (dry run): due=40 orgs=2 in 0.1s');
    expect(formatSummaryLine(summary({ job: 'partial', dryRun: true, seen: 9, enqueued: 9, invalid: 0, orgs: 1 }))).toBe('partial (dry run): seen=9 would-enqueue=9 invalid=0 orgs=1 in 1.2s');
  });
});

describe('backfill output', () => {
  const backfillStatus = { state: 'done', total: 4_213, enqueued: 4_213, pushed: 4_000, failed: 3, pending: 210, ratePerSecond: 90, etaAt: null, startedAt: null, finishedAt: null } as const;
  const summary: BackfillSummary = {
    orgId: 'org-1',
    ran: true,
    state: 'done',
    status: backfillStatus,
    total: 4_213,
    run: { enqueued: 2_113, kept: 0, invalid: 0, pushed: 4_000, failed: 3, held: 0, retried: 210 },
    durationMs: 61_050,
    startedAt: '2026-05-02T00:00:00.000Z',
  };
  const fakeStream = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { chunks, stream: { isTTY, columns: 200, write: (chunk: string) => (chunks.push(chunk), true) } };
  };

  it('formats the ETA from core’s etaAt', () => {
    const now = Date.UTC(2026, 4, 2, 12);
    expect(formatEta(null, now)).toBe('ETA --');
    expect(formatEta('2026-05-02T12:00:42.000Z', now)).toBe('ETA 42s');
    expect(formatEta('2026-05-02T12:01:05.000Z', now)).toBe('ETA 1m 05s');
    expect(formatEta('2026-05-02T14:03:00.000Z', now)).toBe('ETA 2h 03m');
    expect(formatEta('2026-05-02T11:00:00.000Z', now)).toBe('ETA 0s');
  });

  it('prints one key=value summary line', () => {
    expect(formatBackfillSummaryLine(summary)).toBe(
      'backfill org-1: state=done total=4213 enqueued=4213 pushed=4000 failed=3 pending=210; this run queued=2113 kept=0 invalid=0 pushed=4000 failed=3 held=0 retried=210 in 61.0s',
    );
    expect(formatBackfillSummaryLine({ ...summary, state: 'running', interrupted: true })).toMatch(/^backfill org-1: state=running .* \(interrupted: run it again to resume from the cursor\)$/);
    expect(formatBackfillSummaryLine({ ...summary, ran: false, durationMs: 12 })).toBe("backfill org-1: skipped (another process is running this org's backfill; it resumes there) in 0.0s");
    expect(formatBackfillSummaryLine({ ...summary, dryRun: true, state: null, status: null, durationMs: 80 })).toBe('backfill org-1 (dry run): total=4213 in 0.1s');
  });

  it('off a terminal: a JSON line per event, then the summary', () => {
    const { chunks, stream } = fakeStream(false);
    const reporter = createJsonBackfillReporter(stream);
    reporter.onProgress({ orgId: 'org-1', phase: 'enqueue', status: { ...backfillStatus, state: 'running', enqueued: 500 }, run: { pushed: 0, failed: 0, held: 0, retried: 0 }, ratePerSecond: null, etaAt: null });
    reporter.finish(summary);
    expect(chunks.map((chunk) => JSON.parse(chunk) as unknown)).toEqual([
      { event: 'progress', org: 'org-1', phase: 'enqueue', state: 'running', total: 4_213, enqueued: 500, pushed: 4_000, failed: 3, pending: 210, ratePerSecond: null, etaAt: null, run: { pushed: 0, failed: 0, held: 0, retried: 0 } },
      expect.objectContaining({ event: 'summary', org: 'org-1', ran: true, state: 'done', interrupted: false, total: 4_213, enqueued: 4_213, pushed: 4_000, run: summary.run, durationMs: 61_050 }),
    ]);
    expect(chunks.every((chunk) => chunk.endsWith('\n') && !chunk.slice(0, -1).includes('\n'))).toBe(true);
  });

  it('on a terminal: a cli-progress bar per phase with the ETA, then the summary line on stdout', () => {
    const bar = fakeStream(true);
    const out = fakeStream(true);
    const reporter = createTtyBackfillReporter(bar.stream, out.stream, () => Date.UTC(2026, 4, 2, 12));
    const zero = { pushed: 0, failed: 0, held: 0, retried: 0 };
    reporter.onProgress({ orgId: 'org-1', phase: 'enqueue', status: { ...backfillStatus, state: 'running', enqueued: 1_000, pushed: 0, failed: 0 }, run: zero, ratePerSecond: null, etaAt: null });
    reporter.onProgress({ orgId: 'org-1', phase: 'push', status: backfillStatus, run: zero, ratePerSecond: 90, etaAt: '2026-05-02T12:00:02.000Z' });
    reporter.finish(summary);
    const drawn = bar.chunks.join('');
    expect(drawn).toMatch(/backfill org-1 enqueue \[[█░]+\] 1000\/4213 queued \| pushed 0 failed 0 \| ETA --/);
    expect(drawn).toMatch(/backfill org-1 push {4}\[[█░]+\] 4003\/4213 sent {3}\| queued 4213 pending 210 failed 3 \| ETA 2s/);
    expect(out.chunks).toEqual([`${formatBackfillSummaryLine(summary)}\n`]);
  });
});

describe('createProgressReporter', () => {
  const fakeStream = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { chunks, stream: { isTTY, columns: 160, write: (chunk: string) => (chunks.push(chunk), true) } };
  };

  it('draws a cli-progress bar per phase on a terminal', () => {
    const { chunks, stream } = fakeStream(true);
    const reporter = createProgressReporter(stream);
    const base = { job: 'partial', failed: 0, held: 0, retried: 0 } as const;
    reporter.onProgress({ ...base, phase: 'enqueue', seen: 500, enqueued: 498, pushed: 0, total: null });
    reporter.onProgress({ ...base, phase: 'drain', seen: 500, enqueued: 498, pushed: 0, total: 498 });
    reporter.onProgress({ ...base, phase: 'drain', seen: 500, enqueued: 498, pushed: 200, total: 498 });
    reporter.finish();
    const text = chunks.join('');
    expect(text).toContain('partial enqueue 500 invites read | 498 enqueued');
    expect(text).toMatch(/partial push {4}\[[█░]+\] 200\/498 rows \| pushed 200 failed 0 retried 0 held 0/);
  });

  it('draws nothing off a terminal (the caller prints the summary line)', () => {
    const { chunks, stream } = fakeStream(false);
    const reporter = createProgressReporter(stream);
    reporter.onProgress({ job: 'retry', phase: 'drain', seen: 0, enqueued: 0, pushed: 1, failed: 0, held: 0, retried: 0, total: 2 });
    reporter.finish();
    expect(chunks).toEqual([]);
  });
});
