import type { IntegrationContext } from '../integration/integration-context.js';
import type { DrainResult } from '../integration/types.js';
import { nextDueAt } from '../storage/outbox-repository.js';
import { addDrain, emptyDrain, type Drain } from './drain.js';

/** The wake-up timer never sleeps longer than this: rows another process deferred are found soon. */
const MAX_WAKE_DELAY_MS = 5 * 60_000;
/** Nor shorter: a row that is due but leased elsewhere must not turn the timer into a loop. */
const MIN_WAKE_DELAY_MS = 250;

/**
 * Pushes as soon as something is enqueued, and again when deferred rows fall due. One background
 * drain at a time per process; a nudge during a drain makes it go round once more.
 */
export function createDispatcher(ctx: IntegrationContext, drain: Drain) {
  let draining: Promise<DrainResult> | null = null;
  let drainAgain = false;
  let wakeTimer: NodeJS.Timeout | undefined;
  let closed = false;

  function nudge(): void {
    if (closed || !ctx.settings.pushOnEnqueue) return;
    if (draining) {
      drainAgain = true;
      return;
    }
    draining = (async () => {
      const total = emptyDrain();
      try {
        do {
          drainAgain = false;
          addDrain(total, await drain({ signal: ctx.shutdown }));
        } while (drainAgain && !closed);
      } catch (error) {
        if (!closed) ctx.logger.error('background drain failed', { message: (error as Error).message });
      }
      return total;
    })().finally(() => {
      draining = null;
      if (!closed) void scheduleWake();
    });
  }

  async function scheduleWake(): Promise<void> {
    try {
      const next = await nextDueAt(ctx.db);
      clearTimeout(wakeTimer);
      if (next === null || closed) return;
      const delay = Math.min(Math.max(next.getTime() - ctx.clock.now(), MIN_WAKE_DELAY_MS), MAX_WAKE_DELAY_MS);
      wakeTimer = setTimeout(nudge, delay);
      wakeTimer.unref?.();
    } catch (error) {
      if (!closed) ctx.logger.warn('could not schedule the next drain', { message: (error as Error).message });
    }
  }

  /** Stops the timer and waits for the background drain to give its rows back. */
  async function close(): Promise<void> {
    closed = true;
    clearTimeout(wakeTimer);
    await draining?.catch(() => undefined);
  }

  return { nudge, close };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
