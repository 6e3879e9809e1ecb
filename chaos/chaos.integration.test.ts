// The quick chaos run inside `pnpm test`: the same scenario as `pnpm chaos` at 1/20 the size, with
// the same invariants. PostgreSQL is never restarted here (other suites share the server): the run
// terminates the backends of its own database instead, unless CHAOS_ALLOW_PG_RESTART=1.
import { describe, expect, it } from 'vitest';
import { formatTable } from './report.js';
import { runScenario, type ChaosOutcome } from './scenario.js';

describe('chaos (quick)', () => {
  let outcome: ChaosOutcome;

  it('delivers 1,000 invites through faults, a token expiry, an uninstall, a deleted property, a killed worker, a database outage and two sweeps, and the side runs through long outages on a simulated clock, a shared portal and a backfill killed halfway', async () => {
    outcome = await runScenario({ invites: 1_000, seed: 11, quick: true, restartPostgres: process.env.CHAOS_ALLOW_PG_RESTART === '1' });
    // The table is the first thing to read when this fails.
    if (!outcome.ok) console.error(formatTable(outcome));
    expect(outcome.failures).toEqual([]);
  }, 180_000);

  it('holds every invariant at zero', () => {
    expect(outcome.verdict.counts).toMatchObject({ lost: 0, wrong: 0, staleOverwrite: 0, duplicate: 0, unexpected: 0, unexpectedFailed: 0, failedTransient: 0 });
    expect(outcome.verdict.counts.failedWithReason).toBe(outcome.verdict.counts.expectedFailed);
    expect(outcome.verdict.counts.expectedFailed).toBeGreaterThan(0);
    expect(outcome.verdict.counts.matched).toBe(outcome.verdict.counts.expected);
    expect(outcome.unsettled).toBe(0);
  });

  it('really disrupted the run (each check saw its disruption take effect)', () => {
    expect(outcome.checks.filter((check) => !check.ok)).toEqual([]);
    expect(outcome.checks.map((check) => check.name)).toEqual(
      expect.arrayContaining([
        'token expiry',
        'worker killed mid-batch',
        'uninstall + reconnect',
        'deleted property',
        'two sweeps at once',
        '20-minute HubSpot outage',
        '10-minute token-endpoint outage',
        'newer invalid invite after a held valid one',
        'deleted group right after a re-created property',
        'wrong encryption key at start',
        'several instances on one portal at the real limit',
        'backfill killed with SIGKILL halfway and resumed',
      ]),
    );
    expect(outcome.outages.figures.simulatedMinutes).toBeGreaterThanOrEqual(30);
    expect(outcome.errors.byCause['injected-fault']).toBeGreaterThan(0);
    expect(outcome.sweeps.ran).toBe(1);
    // The kill landed halfway with work in flight; the resume read again at most the page in flight
    // and re-sent nothing beyond it and the killed worker's leased rows.
    expect(outcome.backfillKill.atKill.queued).toBeGreaterThan(0);
    expect(outcome.backfillKill.atKill.queued).toBeLessThan(outcome.backfillKill.invites);
    expect(outcome.backfillKill.pagesReadTwice).toBeLessThanOrEqual(1);
    expect(outcome.backfillKill.pagesNeverRead).toBe(0);
    expect(outcome.backfillKill.sentTwiceBeyond).toBe(0);
    expect(outcome.backfillKill.sentMoreThanTwice).toBe(0);
  });

  it('stays within HubSpot\u2019s error budget for the errors that are its own', () => {
    expect(outcome.errors.ownRatio).toBeLessThanOrEqual(outcome.errors.budget);
  });
});
