// Public API of @jobcannon/hubspot-sweep: the cron runner for JobCannon's HubSpot integration.
export { startSweep } from './start-sweep.js';
export type { StartSweepOptions, Sweep } from './start-sweep.js';
export { countWaiting, DRAIN_STEP_ROWS, isSweepJob, lockNameFor, runSweepJob, SWEEP_JOBS } from './jobs.js';
export type { RunSummary, RunSweepJobOptions, SweepJob, SweepProgress } from './jobs.js';
export { DEFAULT_SCHEDULES, SWEEP_TIMEZONE, validateCronExpression } from './schedules.js';
export { createCronScheduler } from './scheduler.js';
export type { ScheduledJobHandle, SweepScheduler } from './scheduler.js';
export { formatSummaryLine } from './summary-line.js';
export { EXIT_CODES, exitCodeForSummary } from './exit-codes.js';
