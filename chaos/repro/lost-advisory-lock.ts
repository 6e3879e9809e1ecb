// Reproduces: runExclusive's leader loses its advisory lock when the lock's session dies (a
// PostgreSQL restart, a killed backend, a network blip) but its task keeps running and nobody is
// told, so a second process takes the lock and both run the "exclusive" job at once; the first
// still returns { ran: true }.
// Expected: the leader notices (the lock connection's error/end) and its task is aborted or at
// least reported as having lost the lock.
//   pnpm exec tsx --conditions=@jobcannon/source chaos/repro/lost-advisory-lock.ts
// Exits 1 while the bug is there, 0 once it is fixed (the leader's task is told through its lock
// signal, stops, and runExclusive reports lockLost: true).
import { createPostgresDatabase } from '@jobcannon/hubspot-core';
import { createPostgresTestDatabase, createTestIntegration, startTestEmulator, testServerUrl } from '@jobcannon/hubspot-core/test-support';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const emulator = await startTestEmulator();
const database = await createPostgresTestDatabase('repro_lost_lock');
const otherPool = createPostgresDatabase(database.connectionString, { max: 4 });
const admin = createPostgresDatabase(testServerUrl(), { max: 1 });
const a = createTestIntegration(database.db, emulator, { workerId: 'a' });
const b = createTestIntegration(otherPool, emulator, { workerId: 'b' });
try {
  await a.migrate();
  let leaders = 0;
  let most = 0;
  // A well-behaved leader: it stops when runExclusive says the lock is gone (as the sweep does).
  const job = async (lockSignal: AbortSignal) => {
    leaders += 1;
    most = Math.max(most, leaders);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 3_000);
      lockSignal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    leaders -= 1;
  };
  const leading = a.runExclusive('jc-hubspot-sweep:partial', job).catch((error: Error) => `threw: ${error.message}`);
  await sleep(300);
  console.log(`b while a leads: ran=${(await b.runExclusive('jc-hubspot-sweep:partial', job)).ran}`);
  const killed = await admin.raw("SELECT pg_terminate_backend(pid) FROM pg_locks JOIN pg_stat_activity USING (pid) WHERE locktype = 'advisory' AND datname = ?", [database.databaseName]);
  console.log(`terminated ${killed.rows.length} lock session(s)`);
  // pg_terminate_backend only signals: wait until the server has really dropped the session's lock.
  for (let waited = 0; waited < 5_000; waited += 50) {
    const held = await admin.raw("SELECT count(*) AS n FROM pg_locks JOIN pg_stat_activity USING (pid) WHERE locktype = 'advisory' AND datname = ?", [database.databaseName]);
    if (Number((held.rows as Array<{ n: unknown }>)[0]?.n) === 0) break;
    await sleep(50);
  }
  console.log(`b after that: ran=${(await b.runExclusive('jc-hubspot-sweep:partial', job)).ran}; most leaders at once: ${most}`);
  console.log(`a returned ${JSON.stringify(await leading)}`);
  await sleep(3_100);
  const outcome = (await leading) as { ran: boolean; lockLost?: boolean } | string;
  const bug = most > 1 || typeof outcome === 'string' || outcome.lockLost !== true;
  console.log(bug ? 'BUG REPRODUCED: two leaders ran the exclusive job at once' : 'not reproduced');
  process.exitCode = bug ? 1 : 0;
} finally {
  await a.close();
  await b.close();
  await otherPool.destroy();
  await admin.destroy();
  await emulator.close();
  await database.drop();
}
