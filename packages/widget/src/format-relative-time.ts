// Each unit is used until the next one reads naturally ("45 minutes ago" becomes "1 hour ago"),
// the same cut-offs most "time ago" helpers use, so figures do not flip between units oddly.
const STEPS: ReadonlyArray<readonly [seconds: number, until: number, unit: Intl.RelativeTimeFormatUnit]> = [
  [60, 45 * 60, 'minute'],
  [3600, 22 * 3600, 'hour'],
  [86_400, 26 * 86_400, 'day'],
  [30 * 86_400, 320 * 86_400, 'month'],
  [365 * 86_400, Infinity, 'year'],
];

let formatter: Intl.RelativeTimeFormat | undefined;

/**
 * "just now", "3 minutes ago", "yesterday", "in 2 hours". English, like the rest of the widget's
 * text. Returns '' for an unreadable date so a bad value never renders "NaN years ago".
 */
export function formatRelativeTime(value: string | number | Date, now: number | Date = Date.now()): string {
  const time = new Date(value).getTime();
  if (Number.isNaN(time)) return '';
  const seconds = (time - new Date(now).getTime()) / 1000;
  const distance = Math.abs(seconds);
  // Clock skew between server and browser makes fresh timestamps land a little in the future.
  if (distance < 45) return 'just now';
  formatter ??= new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [size, until, unit] of STEPS) {
    if (distance < until) return formatter.format(Math.round(seconds / size), unit);
  }
  return '';
}
