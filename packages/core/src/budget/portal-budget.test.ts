import { describe, expect, it } from 'vitest';
import { createMemoryPortalBudget } from './portal-budget.js';

function fakeClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

const LEASE = 30_000;
const WINDOW = 10_000;

describe('memory portal budget (fake clock)', () => {
  it('hands out at most max slots, then says when the next one frees', async () => {
    const clock = fakeClock();
    const budget = createMemoryPortalBudget(clock);
    const first = await budget.take(1, { max: 3, count: 2, leaseMs: LEASE });
    expect(first.slots).toEqual([0, 1]);
    const second = await budget.take(1, { max: 3, count: 5, leaseMs: LEASE });
    expect(second.slots).toEqual([2]);
    const none = await budget.take(1, { max: 3, count: 1, leaseMs: LEASE });
    expect(none.slots).toEqual([]);
    expect(none.waitMs).toBe(LEASE);
  });

  it('frees a slot one window after its answer, not after its send', async () => {
    const clock = fakeClock();
    const budget = createMemoryPortalBudget(clock);
    const taken = await budget.take(1, { max: 1, count: 1, leaseMs: LEASE });
    clock.advance(4_000); // the answer took four seconds (a slow network, a loaded machine)
    await budget.release(1, taken.slots, taken.token, WINDOW);
    clock.advance(WINDOW - 1);
    const early = await budget.take(1, { max: 1, count: 1, leaseMs: LEASE });
    expect(early.slots).toEqual([]);
    expect(early.waitMs).toBe(1);
    clock.advance(1);
    expect((await budget.take(1, { max: 1, count: 1, leaseMs: LEASE })).slots).toEqual([0]);
  });

  it('keeps portals apart', async () => {
    const budget = createMemoryPortalBudget(fakeClock());
    expect((await budget.take(1, { max: 1, count: 1, leaseMs: LEASE })).slots).toEqual([0]);
    expect((await budget.take(2, { max: 1, count: 1, leaseMs: LEASE })).slots).toEqual([0]);
    expect((await budget.take(1, { max: 1, count: 1, leaseMs: LEASE })).slots).toEqual([]);
  });

  it('frees an unanswered slot when its lease ends, and ignores the late release of the old holder', async () => {
    const clock = fakeClock();
    const budget = createMemoryPortalBudget(clock);
    const lost = await budget.take(1, { max: 1, count: 1, leaseMs: LEASE });
    clock.advance(LEASE);
    const next = await budget.take(1, { max: 1, count: 1, leaseMs: LEASE });
    expect(next.slots).toEqual([0]);
    // The first holder's answer finally comes: it must not free the slot the second one holds.
    await budget.release(1, lost.slots, lost.token, 0);
    expect((await budget.take(1, { max: 1, count: 1, leaseMs: LEASE })).slots).toEqual([]);
    await budget.release(1, next.slots, next.token, 0);
    expect((await budget.take(1, { max: 1, count: 1, leaseMs: LEASE })).slots).toEqual([0]);
  });

  it('a pause holds every slot of the portal, free or released', async () => {
    const clock = fakeClock();
    const budget = createMemoryPortalBudget(clock);
    const taken = await budget.take(1, { max: 2, count: 1, leaseMs: LEASE });
    await budget.pause(1, 1_000);
    await budget.release(1, taken.slots, taken.token, 0);
    const paused = await budget.take(1, { max: 2, count: 2, leaseMs: LEASE });
    expect(paused.slots).toEqual([]);
    expect(paused.waitMs).toBe(1_000);
    // A shorter pause later never cuts a longer one short.
    await budget.pause(1, 10);
    clock.advance(999);
    expect((await budget.take(1, { max: 2, count: 2, leaseMs: LEASE })).slots).toEqual([]);
    clock.advance(1);
    expect((await budget.take(1, { max: 2, count: 2, leaseMs: LEASE })).slots).toEqual([0, 1]);
  });

  it('keeps at most `remaining` slots free when HubSpot says the window is nearly spent', async () => {
    const clock = fakeClock();
    const budget = createMemoryPortalBudget(clock);
    await budget.limitFree(1, 10, 2, WINDOW);
    expect((await budget.take(1, { max: 10, count: 10, leaseMs: LEASE })).slots).toHaveLength(2);
    clock.advance(WINDOW);
    expect((await budget.take(1, { max: 10, count: 10, leaseMs: LEASE })).slots).toHaveLength(8);
  });

  it('uses only the first max slots when the ceiling drops, and new ones at once when it rises', async () => {
    const clock = fakeClock();
    const budget = createMemoryPortalBudget(clock);
    expect((await budget.take(1, { max: 4, count: 4, leaseMs: LEASE })).slots).toEqual([0, 1, 2, 3]);
    expect((await budget.take(1, { max: 2, count: 4, leaseMs: LEASE })).slots).toEqual([]);
    expect((await budget.take(1, { max: 6, count: 4, leaseMs: LEASE })).slots).toEqual([4, 5]);
  });

  it('takes a slot ahead of its time, to be used from the time it frees', async () => {
    const clock = fakeClock();
    const budget = createMemoryPortalBudget(clock);
    const first = await budget.take(1, { max: 1, count: 1, leaseMs: LEASE });
    await budget.release(1, first.slots, first.token, WINDOW);
    clock.advance(WINDOW - 200);
    expect((await budget.take(1, { max: 1, count: 1, leaseMs: LEASE, lookaheadMs: 100 })).slots).toEqual([]);
    const ahead = await budget.take(1, { max: 1, count: 1, leaseMs: LEASE, lookaheadMs: 250 });
    expect(ahead.slots).toEqual([0]);
    expect(ahead.startsAt).toEqual([clock.now() + 200]);
  });

  it('paces a take: starts a pace apart, continuing from the previous paced take', async () => {
    const clock = fakeClock();
    const budget = createMemoryPortalBudget(clock);
    const start = clock.now();
    const first = await budget.take(1, { max: 10, count: 10, leaseMs: LEASE, lookaheadMs: 250, paceMs: 100 });
    // Ten free slots, but only the starts within the lookahead: now, +100, +200.
    expect(first.startsAt).toEqual([start, start + 100, start + 200]);
    expect(first.waitMs).toBe(300);
    // An unpaced (live) take is not held back by the pace.
    const live = await budget.take(1, { max: 10, count: 1, leaseMs: LEASE });
    expect(live.startsAt).toEqual([start]);
    clock.advance(300);
    const second = await budget.take(1, { max: 10, count: 2, leaseMs: LEASE, lookaheadMs: 0, paceMs: 100 });
    expect(second.startsAt).toEqual([start + 300]);
  });

  it('frees a window after the stated time of the answer, not after the (later) release', async () => {
    const clock = fakeClock();
    const budget = createMemoryPortalBudget(clock);
    const taken = await budget.take(1, { max: 1, count: 1, leaseMs: LEASE });
    const answeredAt = clock.now();
    clock.advance(500); // the release waited for a database connection
    await budget.release(1, taken.slots, taken.token, WINDOW, answeredAt);
    clock.advance(WINDOW - 500);
    expect((await budget.take(1, { max: 1, count: 1, leaseMs: LEASE })).slots).toEqual([0]);
  });
});
