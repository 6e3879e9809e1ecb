import type { IntegrationContext } from '../integration/integration-context.js';
import type { TokenKeeper } from '../oauth/token-keeper.js';
import { decideRetry, failureFromError } from '../retry/retry-policy.js';
import type { Connection } from '../storage/rows.js';
import type { CallRunner } from './bootstrap.js';
import type { RateLimiterRegistry } from './portal-rate-limiter.js';

/**
 * Runs one non-upsert HubSpot call for a connection (bootstrap, resync): through the portal's
 * limiter, with the retry policy deciding every repeat. An admin's request is answered within
 * `maxWaitMs` of backoff: a longer wait ends it with the (retryable) HubSpot error instead.
 */
export function createCallRunner(ctx: IntegrationContext, deps: { limiters: RateLimiterRegistry; tokens: TokenKeeper }) {
  return function callRunnerFor(connection: Connection, maxWaitMs = ctx.settings.requestMaxWaitMs): CallRunner {
    const limiter = deps.limiters.forPortal(connection.portalId, connection.rateLimitMax);
    return async (label, call) => {
      let refreshed = false;
      for (let attempt = 1; ; attempt += 1) {
        const token = await deps.tokens.accessToken(connection.orgId);
        try {
          return await limiter.schedule(() => call(token), ctx.shutdown);
        } catch (error) {
          const failure = failureFromError(error, ctx.clock.now());
          if (failure === null) throw error;
          const step = decideRetry(failure, { attempt, maxWaitMs, refreshed, rebootstrapped: true, queued: false, failingSince: null, now: ctx.clock.now(), random: ctx.random }, ctx.settings.retryPolicy);
          if (step.action === 'refresh-token') {
            refreshed = true;
            await deps.tokens.refresh(connection.orgId, token);
            continue;
          }
          if (step.action === 'retry-now') {
            ctx.logger.warn('hubspot call failed; retrying', { label, orgId: connection.orgId, code: step.code, attempt, delayMs: step.delayMs });
            await ctx.sleep(step.delayMs, ctx.shutdown);
            continue;
          }
          throw error;
        }
      }
    };
  };
}

export type CallRunnerFactory = ReturnType<typeof createCallRunner>;
