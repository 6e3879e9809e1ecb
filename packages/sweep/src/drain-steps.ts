import type { DrainResult, HubSpotIntegration } from '@jobcannon/hubspot-core';

/**
 * Rows one drain step may claim: ten HubSpot batches of 100. A run checks between steps whether
 * it was asked to stop, so a graceful stop waits for at most one step, never for the whole queue.
 */
export const DRAIN_STEP_ROWS = 1_000;

export interface DrainCounts {
  pushed: number;
  failed: number;
  held: number;
  retried: number;
}

export const zeroCounts = (): DrainCounts => ({ pushed: 0, failed: 0, held: 0, retried: 0 });

export interface DrainStepsOptions {
  /** Only this org's rows (the backfill command); every org's otherwise (the jobs). */
  orgId?: string;
  /** Graceful stop: no new step after the one in hand. */
  signal?: AbortSignal;
  /** Hard stop: also cancels the HubSpot call in flight; core puts its rows back in the queue. */
  cancelSignal?: AbortSignal;
  /** After every HubSpot batch and every step, with this run's counts so far. */
  onCounts?: (counts: DrainCounts) => void;
}

/**
 * Drains in steps of DRAIN_STEP_ROWS so a graceful stop ends after the step in hand: core's drain
 * takes one signal, and aborting it also cancels the HubSpot call in flight. That stronger abort is
 * `cancelSignal`, passed through for a second SIGTERM.
 */
export async function drainInSteps(integration: HubSpotIntegration, options: DrainStepsOptions = {}): Promise<{ counts: DrainCounts; interrupted: boolean }> {
  const counts = zeroCounts();
  const report = (extra: DrainCounts) =>
    options.onCounts?.({
      pushed: counts.pushed + extra.pushed,
      failed: counts.failed + extra.failed,
      held: counts.held + extra.held,
      retried: counts.retried + extra.retried,
    });
  report(zeroCounts());
  for (;;) {
    if (options.signal?.aborted || options.cancelSignal?.aborted) return { counts, interrupted: true };
    let step: DrainResult;
    try {
      step = await integration.drain({
        maxRows: DRAIN_STEP_ROWS,
        ...(options.orgId !== undefined ? { orgId: options.orgId } : {}),
        ...(options.cancelSignal ? { signal: options.cancelSignal } : {}),
        onBatch: report,
      });
    } catch (error) {
      // core's drain rejects (rather than returning its totals) when cancelled while a batch waits in
      // the portal rate limiter; those rows stay leased until the lease expires, then flow again.
      if (options.cancelSignal?.aborted) return { counts, interrupted: true };
      throw error;
    }
    counts.pushed += step.pushed;
    counts.failed += step.failed;
    counts.held += step.held;
    counts.retried += step.retried;
    report(zeroCounts());
    const settled = step.pushed + step.failed + step.retried;
    // A step that used less than its budget found nothing more due; one that settled nothing (every
    // due row held) would only spin.
    if (settled === 0 || settled + step.held < DRAIN_STEP_ROWS) return { counts, interrupted: false };
  }
}
