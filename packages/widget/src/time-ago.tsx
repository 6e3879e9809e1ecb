/** A relative time people read at a glance, with the exact moment for tooltips and machines. */
export function TimeAgo({ at, now, format }: { at: string; now: number; format: (date: Date, now: number) => string }) {
  const date = new Date(at);
  // An unreadable date from the server is not shown: no "Invalid Date", no raw text.
  if (Number.isNaN(date.getTime())) return null;
  return (
    <time dateTime={at} title={date.toLocaleString()}>
      {format(date, now)}
    </time>
  );
}
