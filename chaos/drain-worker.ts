// A drain worker in its own process, as a host would run one: its own knex pool, rate limiters and
// token keeper over the shared database. Unlike core's test worker it keeps going when a drain round
// fails (the run restarts PostgreSQL under it) and stops only on SIGTERM (or dies on SIGKILL).
// Settings come from the environment because the chaos run spawns it; it prints JSON lines.
// SIGUSR1 pauses it after the current round (so another worker can be made to take the next rows),
// SIGUSR2 resumes it.
import { createPostgresDatabase } from '@jobcannon/hubspot-core';
import { createTestIntegration } from '@jobcannon/hubspot-core/test-support';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`chaos drain worker: ${name} is not set`);
  return value;
};

const workerId = env('CHAOS_WORKER_ID');
const settings = JSON.parse(env('CHAOS_WORKER_SETTINGS')) as { leaseMs: number; requestTimeoutMs: number; retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number } };
const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ workerId, ...event })}\n`);

// knex's own connection warnings (the run restarts the database) are counted, not printed.
const knexWarnings = { count: 0 };
const quiet = { debug() {}, info() {}, warn: () => void (knexWarnings.count += 1), error: () => void (knexWarnings.count += 1) };
const db = createPostgresDatabase(env('CHAOS_DATABASE_URL'), { max: 4, logger: quiet });
const integration = createTestIntegration(db, { url: env('CHAOS_EMULATOR_URL') }, { workerId, ...settings });
const stop = new AbortController();
process.on('SIGTERM', () => stop.abort());
let paused = false;
let pauseAnnounced = false;
process.on('SIGUSR1', () => {
  paused = true;
  pauseAnnounced = false;
});
process.on('SIGUSR2', () => {
  paused = false;
  say({ event: 'resumed' });
});

const pause = (ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    stop.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

const totals = { pushed: 0, failed: 0, retried: 0, held: 0, rounds: 0, roundErrors: 0 };
say({ event: 'ready', pid: process.pid });
while (!stop.signal.aborted) {
  if (paused) {
    if (!pauseAnnounced) say({ event: 'paused' });
    pauseAnnounced = true;
    await pause(20);
    continue;
  }
  try {
    const result = await integration.drain({ signal: stop.signal });
    totals.rounds += 1;
    totals.pushed += result.pushed;
    totals.failed += result.failed;
    totals.retried += result.retried;
    totals.held += result.held;
    if (result.pushed + result.failed + result.retried === 0) await pause(50);
  } catch (error) {
    if (stop.signal.aborted) break;
    // A database restart or a killed backend fails the round; the rows it held are released or
    // reclaimed after the lease, so the worker just tries again, as a host's job runner would.
    totals.roundErrors += 1;
    say({ event: 'round-failed', message: (error as Error).message.slice(0, 300) });
    await pause(250);
  }
}
say({ event: 'done', ...totals, knexWarnings: knexWarnings.count });
await integration.close();
await db.destroy();
