// A worker process for multi-process tests: its own integration (own pool, own limiter, own token
// keeper) over the same database, draining until nothing is due. Spawned by tests with tsx; reads
// its settings from the environment because it is a test program, not package code.
import { createPostgresDatabase } from '../storage/database.js';
import { createTestIntegration } from './integration-harness.js';

const databaseUrl = process.env.JC_WORKER_DATABASE_URL!;
const emulatorUrl = process.env.JC_WORKER_EMULATOR_URL!;
const workerId = process.env.JC_WORKER_ID ?? `child-${process.pid}`;
const leaseMs = Number(process.env.JC_WORKER_LEASE_MS ?? 60_000);

const db = createPostgresDatabase(databaseUrl, { max: 4 });
const integration = createTestIntegration(db, { url: emulatorUrl }, { workerId, leaseMs, retry: { baseDelayMs: 20, maxDelayMs: 200 } });
let total = 0;
try {
  process.stdout.write(`${JSON.stringify({ event: 'ready', workerId })}\n`);
  for (let idle = 0; idle < 3; ) {
    const result = await integration.drain();
    total += result.pushed;
    if (result.pushed + result.failed + result.retried === 0) {
      idle += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } else {
      idle = 0;
    }
  }
  process.stdout.write(`${JSON.stringify({ event: 'done', workerId, pushed: total })}\n`);
} finally {
  await integration.close();
  await db.destroy();
}
