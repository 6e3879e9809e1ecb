// Reproduces: each integration instance (each host process) has its own per-portal rate limiter
// sized to the whole portal budget (100 requests / 10 s), and only pauses briefly when HubSpot says
// the window is used up. Three workers draining one portal's backlog send up to three times the
// budget: HubSpot (the emulator's public-app limit, 110 / 10 s) answers a large share with 429,
// far over the 5 % error budget, and rows whose six attempts were all 429s are failed for good
// although nothing is wrong with them. architecture.md allows several host instances; core's own
// three-worker test raises the emulator's limit to 1,000, which hides this.
// Expected: the workers together stay under the portal's budget (or back off until the window has
// room), few 429s, and no row failed because of the kit's own over-sending.
//   pnpm exec tsx --conditions=@jobcannon/source chaos/repro/workers-oversend-rate-limit.ts [workers=3]
// Exits 1 while the bug is there, 0 once it is fixed.
import { createPostgresDatabase } from '@jobcannon/hubspot-core';
import { completedInvite, connectOrg, createPostgresTestDatabase, createTestIntegration, startTestEmulator } from '@jobcannon/hubspot-core/test-support';

const WORKERS = Number(process.argv[2] ?? 3);
const ROWS = 15_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const emulator = await startTestEmulator();
const database = await createPostgresTestDatabase('repro_oversend');
// Separate pools and integrations: what separate host processes have (own limiter, own token keeper).
const pools = Array.from({ length: WORKERS }, () => createPostgresDatabase(database.connectionString, { max: 4 }));
const workers = pools.map((pool, index) => createTestIntegration(pool, emulator, { workerId: `worker-${index}` }));
const first = workers[0]!;
try {
  await first.migrate();
  await connectOrg(first, emulator, { orgId: 'org-1', hubId: 1001 });
  for (let start = 0; start < ROWS; start += 500) {
    await database.db.transaction(async (trx) => {
      for (let index = start; index < start + 500; index += 1) await first.enqueue(completedInvite('org-1', index), trx);
    });
  }
  emulator.resetCounters();
  const began = Date.now();
  // Each worker drains until it has found nothing due three times in a row (rows in backoff wait).
  const pushed = await Promise.all(
    workers.map(async (worker) => {
      let total = 0;
      for (let idle = 0; idle < 3; ) {
        const result = await worker.drain();
        total += result.pushed;
        if (result.pushed + result.failed + result.retried === 0) {
          idle += 1;
          await sleep(200);
        } else idle = 0;
      }
      return total;
    }),
  );
  const totals = emulator.counters().totals;
  const queue = (await first.status('org-1')).queue;
  const failures = await first.failures('org-1', { limit: 1 });
  const ratio = totals.rateLimited / Math.max(1, totals.requests);
  console.log(`${WORKERS} workers drained ${pushed.join(' + ')} of ${ROWS} in ${Date.now() - began} ms`);
  console.log(`requests ${totals.requests}, answered 429: ${totals.rateLimited} (${(ratio * 100).toFixed(1)} %; budget 5 %)`);
  console.log(`queue afterwards: ${JSON.stringify(queue)}${failures.items[0] ? `; e.g. ${failures.items[0].code}: ${JSON.stringify(failures.items[0].details).slice(0, 90)}…` : ''}`);
  const bug = ratio > 0.05 || queue.failed > 0;
  console.log(bug ? 'BUG REPRODUCED' : 'not reproduced');
  process.exitCode = bug ? 1 : 0;
} finally {
  for (const worker of workers) await worker.close();
  for (const pool of pools) await pool.destroy();
  await emulator.close();
  await database.drop();
}
