// The process the backfill scenario kills (backfill-kill.ts): a host instance that starts an org's
// backfill in the foreground (`startBackfill(…, { inBackground: false })` + `runBackfill`, the sweep
// CLI's way) and drains the outbox meanwhile, until it is SIGKILLed halfway. It builds the same
// past-invite source as the parent (same seed and size) and prints a JSON line for every page it
// reads, so the parent can count the pages read again after the kill (stdout to a pipe is written
// synchronously on Linux, so a line printed before the kill is never lost with it).
import { createPostgresDatabase } from '@jobcannon/hubspot-core';
import { createTestIntegration } from '@jobcannon/hubspot-core/test-support';
import { createPastInviteSource, pastInvites } from './past-invites.js';
import type { OrgPortal } from './workload.js';

export interface BackfillWorkerSettings {
  databaseUrl: string;
  emulatorUrl: string;
  workerId: string;
  org: OrgPortal;
  candidates: number;
  seed: number;
  pageSize: number;
  /** Between pages: a host's slow query, so the parent can kill it halfway. */
  pauseMs: number;
  leaseMs: number;
  requestTimeoutMs: number;
}

const raw = process.env.CHAOS_BACKFILL_SETTINGS;
if (raw === undefined) throw new Error('chaos backfill worker: CHAOS_BACKFILL_SETTINGS is not set');
const settings = JSON.parse(raw) as BackfillWorkerSettings;
const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const { invites } = pastInvites({ org: settings.org, candidates: settings.candidates, seed: settings.seed });
const source = createPastInviteSource(invites, { pageSize: settings.pageSize, pauseMs: settings.pauseMs, onPage: (page) => say({ event: 'page', ...page }) });
const db = createPostgresDatabase(settings.databaseUrl, { max: 4, logger: quiet });
const integration = createTestIntegration(
  db,
  { url: settings.emulatorUrl },
  { workerId: settings.workerId, leaseMs: settings.leaseMs, requestTimeoutMs: settings.requestTimeoutMs, logger: quiet, backfill: { source, mode: 'offered' } },
);

const stop = new AbortController();
process.on('SIGTERM', () => stop.abort());
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// The drain runs beside the backfill, as a host's worker would: batches are in flight at the kill.
const drained = { pushed: 0, rounds: 0 };
const draining = (async () => {
  while (!stop.signal.aborted) {
    try {
      const result = await integration.drain({ signal: stop.signal });
      drained.rounds += 1;
      drained.pushed += result.pushed;
      if (result.pushed + result.failed + result.retried === 0) await pause(20);
    } catch (error) {
      if (stop.signal.aborted) break;
      say({ event: 'round-failed', message: (error as Error).message.slice(0, 300) });
      await pause(100);
    }
  }
})();

const started = await integration.startBackfill(settings.org.orgId, { inBackground: false });
say({ event: 'started', pid: process.pid, total: started.total });
const result = await integration.runBackfill(settings.org.orgId, { signal: stop.signal });
// Reaching this line means the kill came too late (the parent fails its check on it).
say({ event: 'backfill-finished', ...result });
stop.abort();
await draining;
say({ event: 'done', ...drained });
await integration.close();
await db.destroy();
