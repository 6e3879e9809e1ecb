import { HubSpotKitError } from '@jobcannon/hubspot-core';
import cron from 'node-cron';
import type { SweepJob } from './jobs.js';

/** Every schedule is read in UTC, whatever the host's TZ: "02:00" is 02:00 UTC everywhere. */
export const SWEEP_TIMEZONE = 'UTC';

/** The retry queue every 5 minutes; the partial-progress sweep daily at 02:00 UTC (hubspot-setup.md). */
export const DEFAULT_SCHEDULES: Readonly<Record<SweepJob, string>> = Object.freeze({
  retry: '*/5 * * * *',
  partial: '0 2 * * *',
});

const FIELD_LABELS: Record<string, string> = {
  second: 'second',
  minute: 'minute',
  hour: 'hour',
  dayOfMonth: 'day-of-month',
  month: 'month',
  dayOfWeek: 'day-of-week',
};

/**
 * Throws `INVALID_OPTIONS` naming the expression, the job and what is wrong with it. node-cron's
 * `validate` decides; its detailed report supplies the reason (it says only true/false).
 */
export function validateCronExpression(expression: unknown, job: SweepJob): string {
  if (typeof expression === 'string' && cron.validate(expression)) return expression;
  const reason = typeof expression !== 'string' ? `expected a string, got ${expression === null ? 'null' : typeof expression}` : describeProblem(expression);
  throw new HubSpotKitError(
    'INVALID_OPTIONS',
    `Invalid cron expression "${String(expression)}" for the ${job} schedule: ${reason}. ` +
      `Use five fields (minute hour day-of-month month day-of-week), or six with seconds first; times are UTC. The default is "${DEFAULT_SCHEDULES[job]}".`,
    { details: { job, expression } },
  );
}

function describeProblem(expression: string): string {
  if (expression.trim() === '') return 'it is empty';
  const errors = cron.validateDetailed(expression).errors;
  if (errors.length === 0) return 'node-cron does not accept it';
  return errors
    .map((error) => {
      const label = FIELD_LABELS[error.field];
      return label === undefined ? error.message : `the ${label} field "${error.value ?? ''}" is not valid`;
    })
    .join('; ');
}
