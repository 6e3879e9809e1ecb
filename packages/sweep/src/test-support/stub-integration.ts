import type { BackfillStatus } from '../core-types.js';
import type { DrainOptions, DrainResult, HubSpotIntegration, InProgressInviteSource, IntegrationStatusReport, SweepPartialsOptions, SweepPartialsResult } from '@jobcannon/hubspot-core';

export const emptyDrain = (overrides: Partial<DrainResult> = {}): DrainResult => ({ pushed: 0, created: 0, updated: 0, failed: 0, retried: 0, held: 0, batches: 0, ...overrides });

export interface StubIntegration extends HubSpotIntegration {
  calls: string[];
  drainCalls: DrainOptions[];
  /** Lock names currently held; runExclusive refuses a held one, as the advisory lock does. */
  held: Set<string>;
}

export interface StubBehaviour {
  drain?: (options: DrainOptions, call: number) => Promise<DrainResult> | DrainResult;
  sweepPartials?: (source: InProgressInviteSource, options: SweepPartialsOptions) => Promise<SweepPartialsResult>;
  maintain?: () => Promise<{ reclaimed: number; prunedSyncLog: number; connections?: { checked: number; mustReconnect: number; unreadable: number } }>;
  connectedOrgIds?: string[];
  pendingByOrg?: Record<string, number>;
  runBackfill?: HubSpotIntegration['runBackfill'];
  /** What `status(org).backfill` reports. */
  backfillStatus?: () => BackfillStatus | null;
}

/** Just enough of an integration for the scheduling and job logic, with no database behind it. */
export function createStubIntegration(behaviour: StubBehaviour = {}): StubIntegration {
  const calls: string[] = [];
  const drainCalls: DrainOptions[] = [];
  const held = new Set<string>();
  const stub: Partial<StubIntegration> = {
    calls,
    drainCalls,
    held,
    async runExclusive<T>(lockName: string, task: (lockSignal: AbortSignal) => Promise<T>) {
      calls.push(`lock:${lockName}`);
      if (held.has(lockName)) return { ran: false } as const;
      held.add(lockName);
      try {
        return { ran: true, result: await task(new AbortController().signal), lockLost: false } as const;
      } finally {
        held.delete(lockName);
      }
    },
    async maintain() {
      calls.push('maintain');
      const connections = { checked: 0, mustReconnect: 0, unreadable: 0 };
      return behaviour.maintain ? { connections, backfillsResumed: 0, ...(await behaviour.maintain()) } : { reclaimed: 0, prunedSyncLog: 0, connections, backfillsResumed: 0 };
    },
    async drain(options = {}) {
      calls.push('drain');
      drainCalls.push(options);
      return behaviour.drain ? behaviour.drain(options, drainCalls.length) : emptyDrain();
    },
    async sweepPartials(source, options = {}) {
      calls.push(options.dryRun ? 'sweepPartials:dry' : 'sweepPartials');
      if (behaviour.sweepPartials) return behaviour.sweepPartials(source, options);
      return { orgs: 0, seen: 0, enqueued: 0, skipped: 0, invalid: 0 };
    },
    async connectedOrgIds() {
      calls.push('connectedOrgIds');
      return behaviour.connectedOrgIds ?? [];
    },
    async status(orgId) {
      calls.push(`status:${orgId}`);
      return { status: 'connected', queue: { pending: behaviour.pendingByOrg?.[orgId] ?? 0, failed: 0, held: 0 }, backfill: behaviour.backfillStatus?.() ?? null } as IntegrationStatusReport;
    },
    async runBackfill(orgId, options) {
      calls.push(`runBackfill:${orgId}`);
      if (!behaviour.runBackfill) return { ran: true, state: 'done', enqueued: 0, skipped: 0, invalid: 0 };
      return behaviour.runBackfill(orgId, options);
    },
  };
  return stub as StubIntegration;
}
