import type { Clock } from './types.js';

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to: lets tests cross token expiry or a rate window instantly. */
export interface ManualClock extends Clock {
  /** Moves time forward and returns the new now. */
  advance(ms: number): number;
  set(epochMs: number): void;
}

export function createManualClock(startMs: number = Date.UTC(2026, 0, 1)): ManualClock {
  let current = startMs;
  return {
    now: () => current,
    advance(ms: number): number {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('a clock only moves forward');
      current += ms;
      return current;
    },
    set(epochMs: number): void {
      current = epochMs;
    },
  };
}
