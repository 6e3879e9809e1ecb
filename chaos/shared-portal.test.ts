import { describe, expect, it } from 'vitest';
import { busiestWindow } from './shared-portal.js';

describe('busiestWindow', () => {
  it('finds the most arrivals within any window, the window end excluded', () => {
    expect(busiestWindow([], 10_000)).toBe(0);
    expect(busiestWindow([0, 5_000, 9_999, 10_000, 19_000], 10_000)).toBe(3);
    // Unsorted input; the busiest stretch is in the middle.
    expect(busiestWindow([30_000, 1_000, 12_000, 12_500, 13_000, 21_999, 40_000], 10_000)).toBe(4);
  });
});
