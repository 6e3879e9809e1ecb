import { describe, expect, it } from 'vitest';
import { parseCliArgs, USAGE, UsageError } from './cli-args.js';
import { isDatabaseUnreachable } from './database-errors.js';
import { EXIT_CODES, exitCodeForSummary } from './exit-codes.js';
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
    expect(formatSummaryLine(summary({ pushed: 12, reclaimed: 3, interrupted: true }))).toBe('retry: pushed=12 failed=0 held=0 retried=0 reclaimed=3 in 1.2s (interrupted: the next run picks up the rest)');
    expect(formatSummaryLine(summary({ job: 'partial', seen: 500, enqueued: 498, kept: 2, invalid: 0, pushed: 498, durationMs: 61_050 }))).toBe(
      'partial: seen=500 enqueued=498 kept=2 invalid=0 pushed=498 failed=0 held=0 retried=0 in 61.0s',
    );
    expect(formatSummaryLine(summary({ ran: false, skipped: 'not-leader', durationMs: 4 }))).toBe('retry: skipped (not the leader: another run holds jc-hubspot-sweep:retry) in 0.0s');
    expect(formatSummaryLine(summary({ dryRun: true, due: 40, orgs: 2, durationMs: 80 }))).toBe('retry (dry run): due=40 orgs=2 in 0.1s');
    expect(formatSummaryLine(summary({ job: 'partial', dryRun: true, seen: 9, enqueued: 9, invalid: 0, orgs: 1 }))).toBe('partial (dry run): seen=9 would-enqueue=9 invalid=0 orgs=1 in 1.2s');
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
