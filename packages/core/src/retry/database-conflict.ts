import type { IntegrationContext, IntegrationSettings } from '../integration/integration-context.js';
import { decideRetry, failureFromError } from './retry-policy.js';

export type ConflictRetryContext = Pick<IntegrationContext, 'clock' | 'random' | 'sleep' | 'logger' | 'shutdown'> & { settings: Pick<IntegrationSettings, 'retryPolicy'> };

/**
 * Runs `write` (a statement or a whole transaction that has no effect when it fails) again when
 * PostgreSQL picks it as a deadlock or serialization victim, as the retry policy decides. Such
 * conflicts come from other writers locking the same outbox rows in their own order (a host's
 * transaction enqueueing candidates one by one, a page of the sweep), so no lock order of ours
 * can rule them out: the victim must be able to go again. Anything else is rethrown at once.
 */
export async function retryOnDatabaseConflict<T>(ctx: ConflictRetryContext, what: string, write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      const failure = failureFromError(error, ctx.clock.now());
      if (failure?.kind !== 'database-conflict') throw error;
      const step = decideRetry(failure, { attempt, maxWaitMs: 1_000, refreshed: true, rebootstrapped: true, queued: false, failingSince: null, now: ctx.clock.now(), random: ctx.random }, ctx.settings.retryPolicy);
      if (step.action !== 'retry-now') throw error;
      ctx.logger.warn(`${what} met a database conflict; running it again`, { attempt, delayMs: step.delayMs });
      await ctx.sleep(step.delayMs, ctx.shutdown);
    }
  }
}
