import { describe, expect, it } from 'vitest';
import { formatRelativeTime } from './format-relative-time.js';

const now = Date.parse('2026-05-04T12:00:00Z');
const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString();

describe('formatRelativeTime', () => {
  it.each([
    [0, 'just now'],
    [44, 'just now'],
    [-30, 'just now'],
    [45, '1 minute ago'],
    [180, '3 minutes ago'],
    [44 * 60, '44 minutes ago'],
    [45 * 60, '1 hour ago'],
    [5 * 3600, '5 hours ago'],
    [22 * 3600, 'yesterday'],
    [3 * 86_400, '3 days ago'],
    [40 * 86_400, 'last month'],
    [90 * 86_400, '3 months ago'],
    [400 * 86_400, 'last year'],
    [-2 * 3600, 'in 2 hours'],
  ])('%i s ago reads "%s"', (seconds, expected) => {
    expect(formatRelativeTime(ago(seconds), now)).toBe(expected);
  });

  it('accepts Date and epoch inputs and a Date for now', () => {
    expect(formatRelativeTime(new Date(now - 120_000), new Date(now))).toBe('2 minutes ago');
    expect(formatRelativeTime(now - 120_000, now)).toBe('2 minutes ago');
  });

  it('returns an empty string for an unreadable date instead of "NaN"', () => {
    expect(formatRelativeTime('not a date', now)).toBe('');
  });
});
