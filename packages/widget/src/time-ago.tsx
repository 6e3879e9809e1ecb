import { formatRelativeTime } from './format-relative-time.js';

/** A relative time people read at a glance, with the exact moment for tooltips and machines. */
export function TimeAgo({ at, now }: { at: string; now: number }) {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return <>{at}</>;
  return (
    <time dateTime={at} title={date.toLocaleString()}>
      {formatRelativeTime(date, now)}
    </time>
  );
}
