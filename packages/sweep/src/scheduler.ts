import type { Logger } from '@jobcannon/hubspot-core';
import cron from 'node-cron';

export interface ScheduledJobHandle {
  stop(): void | Promise<void>;
}

/**
 * What `startSweep` needs from a scheduler: call `fire` at every match of `expression` in `timezone`.
 * The default is node-cron; tests (or hosts with their own scheduler) inject another.
 */
export interface SweepScheduler {
  schedule(expression: string, fire: () => void, options: { name: string; timezone: string }): ScheduledJobHandle;
}

/** node-cron, in-process (no forked daemon), its log lines routed to the sweep's logger. */
export function createCronScheduler(logger?: Logger): SweepScheduler {
  const cronLogger = logger ? adaptLogger(logger) : undefined;
  return {
    schedule(expression, fire, { name, timezone }) {
      const task = cron.createTask(expression, () => fire(), { name, timezone, ...(cronLogger ? { logger: cronLogger } : {}) });
      // start() may return a promise in node-cron 4; a task that cannot start is logged, not lost.
      Promise.resolve(task.start()).catch((error: unknown) => logger?.error('cron task did not start', { name, message: (error as Error).message }));
      // destroy() also drops the task from node-cron's process-wide registry.
      return { stop: () => task.destroy() };
    },
  };
}

type CronLogger = NonNullable<Parameters<typeof cron.createTask>[2]>['logger'];

function adaptLogger(logger: Logger): CronLogger {
  const text = (message: string | Error, error?: Error) => ({
    message: message instanceof Error ? message.message : message,
    fields: error ? { error: error.message } : undefined,
  });
  return {
    info: (message) => logger.info(`node-cron: ${message}`),
    warn: (message) => logger.warn(`node-cron: ${message}`),
    error(message, error) {
      const entry = text(message, error);
      logger.error(`node-cron: ${entry.message}`, entry.fields);
    },
    debug(message, error) {
      const entry = text(message, error);
      logger.debug(`node-cron: ${entry.message}`, entry.fields);
    },
  };
}
