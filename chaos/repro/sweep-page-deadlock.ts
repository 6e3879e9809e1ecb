// Reproduces: the partial sweep stores a page of invites in one multi-row statement
// (INSERT … SELECT FROM unnest … ON CONFLICT), outside any transaction and without retrying. A host
// that enqueues results in its own transaction at the same time (its transactional outbox) locks
// candidates in its own order; when the two touch two candidates in opposite orders, PostgreSQL
// detects a deadlock and aborts one of them. The sweep, which started waiting first, is the victim:
// sweepPartials() rejects with 40P01 and the rest of its pages are never read (the chaos run saw
// it as "the sweep threw … deadlock detected" and the page's candidates lost until the next night).
// Expected: the sweep survives (orders its rows, and retries a page that lost a deadlock or a
// serialization failure; the statement had no effect), and the host's transaction commits.
//   pnpm exec tsx --conditions=@jobcannon/source chaos/repro/sweep-page-deadlock.ts
// Exits 1 while the bug is there, 0 once it is fixed.
import { completedInvite, connectOrg, createPostgresTestDatabase, createTestIntegration, partialInvite, startTestEmulator } from '@jobcannon/hubspot-core/test-support';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const emulator = await startTestEmulator({ rateLimit: { max: 1_000 } });
const database = await createPostgresTestDatabase('repro_sweep_deadlock');
const integration = createTestIntegration(database.db, emulator);
try {
  await integration.migrate();
  await connectOrg(integration, emulator, { orgId: 'org-1', hubId: 1001 });
  const [a, b] = [1, 2];
  let hostError: unknown = null;
  let sweepError: unknown = null;
  let sweep: Promise<unknown> = Promise.resolve();
  // Backends waiting for a lock other than ours: the sweep's statement once it waits for candidate a.
  const waiting = async () =>
    Number(
      ((await database.db.raw(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`)).rows as Array<{ n: string }>)[0]?.n ?? 0,
    );
  await database.db
    .transaction(async (trx) => {
      // The host's transaction: candidate a first...
      await integration.enqueue(completedInvite('org-1', a), trx);
      // ...meanwhile the sweep stores its page, b before a (the order its source yields them).
      sweep = integration
        .sweepPartials(async function* page() {
          yield [partialInvite('org-1', b), partialInvite('org-1', a)];
        })
        .catch((error: unknown) => {
          sweepError = error;
        });
      for (let tries = 0; tries < 100 && (await waiting()) === 0; tries += 1) await sleep(20);
      // ...then candidate b, which the sweep's statement has just inserted and not committed.
      await integration.enqueue(completedInvite('org-1', b), trx);
    })
    .catch((error: unknown) => {
      hostError = error;
    });
  await sweep;
  const describe = (error: unknown) => (error ? `${(error as { code?: string }).code ?? ''} ${(error as Error).message.split('\n').pop()?.trim()}` : 'none');
  console.log(`host transaction error: ${describe(hostError)}`);
  console.log(`sweep error: ${describe(sweepError)}`);
  const bug = sweepError !== null;
  console.log(bug ? 'BUG REPRODUCED: the sweep lost a deadlock and gave up its page' : 'not reproduced');
  process.exitCode = bug ? 1 : 0;
} finally {
  await integration.close();
  await emulator.close();
  await database.drop();
}
