// One host instance for the multi-process benches: its own pool and integration over the bench's
// database, draining whenever the parent (bench/drain-children.ts) says so until it says stop.
// Driven over IPC; its settings come in argv as JSON because it is a bench program, not package code.
import { createHubSpotIntegration, createPostgresDatabase } from '@jobcannon/hubspot-core';
import { kitOptions, sleep } from './kit.js';

export interface DrainChildConfig {
  databaseUrl: string;
  emulatorUrl: string;
  workerId: string;
  rateLimit: { maxRequests: number; intervalMs: number };
  /** Only this org's rows (each workers case has its own org and portal). */
  orgId?: string;
}

export type DrainChildMessage = { event: 'ready' } | { event: 'done'; pushed: number; failed: number; retried: number; error?: string };

const config = JSON.parse(process.argv[2] ?? '{}') as DrainChildConfig;
const db = createPostgresDatabase(config.databaseUrl, { max: 4 });
const integration = createHubSpotIntegration(kitOptions(db, config.emulatorUrl, { workerId: config.workerId, rateLimit: config.rateLimit }));
const stop = new AbortController();
let started: (() => void) | undefined;
const start = new Promise<void>((resolve) => (started = resolve));

process.on('message', (message: { op: 'start' | 'stop' }) => {
  if (message.op === 'start') started?.();
  if (message.op === 'stop') stop.abort();
});
// The parent went away: never linger.
process.on('disconnect', () => stop.abort());

const totals = { pushed: 0, failed: 0, retried: 0 };
let error: string | undefined;
try {
  process.send?.({ event: 'ready' } satisfies DrainChildMessage);
  await start;
  while (!stop.signal.aborted) {
    const result = await integration.drain({ signal: stop.signal, ...(config.orgId ? { orgId: config.orgId } : {}) });
    totals.pushed += result.pushed;
    totals.failed += result.failed;
    totals.retried += result.retried;
    // Nothing due for this process right now (the others hold the rest): look again shortly.
    if (result.pushed + result.failed + result.retried === 0) await sleep(100);
  }
} catch (caught) {
  if (!stop.signal.aborted) error = caught instanceof Error ? caught.message : String(caught);
} finally {
  await integration.close().catch(() => undefined);
  await db.destroy().catch(() => undefined);
}
if (process.connected) process.send?.({ event: 'done', ...totals, ...(error ? { error } : {}) } satisfies DrainChildMessage, () => process.exit(0));
else process.exit(0);
