import { expect, it } from 'vitest';
import { silentLogger } from '../ports/ports.js';
import { describeEachBackend } from '../test-support/test-databases.js';
import { createErrorBudget, ERROR_BUDGET_THRESHOLD } from './error-budget.js';

describeEachBackend('the daily error budget', (backend) => {
  it('sums every process’s answers per portal over 24 h and lowers the rate above 2 %', async () => {
    let now = Date.parse('2026-12-01T10:00:00Z');
    const clock = { now: () => now };
    const first = createErrorBudget({ db: backend.db, clock, logger: silentLogger });
    const second = createErrorBudget({ db: backend.db, clock, logger: silentLogger });
    const portal = 7_000_000 + Math.floor(Math.random() * 1_000_000);
    // Two processes: 300 answers, 9 of them errors (3 %).
    for (let index = 0; index < 150; index += 1) first.record(portal, index < 5 ? 503 : 200);
    for (let index = 0; index < 150; index += 1) second.record(portal, index < 4 ? 400 : 200);
    await first.flush();
    await second.flush();
    const state = await first.read(portal);
    expect(state.ratio).toBeCloseTo(9 / 300, 5);
    expect(state.ratio! > ERROR_BUDGET_THRESHOLD).toBe(true);
    expect(state.lowered).toBe(true);
    expect(first.factor(portal)).toBe(0.5);

    // A day later the old hours no longer count.
    now += 25 * 3600_000;
    const later = createErrorBudget({ db: backend.db, clock, logger: silentLogger });
    for (let index = 0; index < 250; index += 1) later.record(portal, index < 2 ? 500 : 200);
    await later.flush();
    expect(await later.read(portal)).toEqual({ ratio: 2 / 250, lowered: false, readAt: now });
    expect(later.factor(portal)).toBe(1);
    // Too few requests say nothing.
    const quiet = portal + 1;
    later.record(quiet, 500);
    await later.flush();
    expect((await later.read(quiet)).ratio).toBeNull();
    await Promise.all([first.close(), second.close(), later.close()]);
  });
});
