// Reproduces: a worker's lease runs out while its in-process retry of an OLDER snapshot is still
// on the wire; the host enqueues a newer snapshot, a second worker claims the row (lease expired)
// and pushes it, then the first worker's retry lands and overwrites it. The outbox says the newer
// snapshot is done, HubSpot shows the older one, and nothing will ever fix it.
// The settings keep the defaults' ratio (lease 60 s = 2 x request timeout 30 s) at 1/15 the scale:
// two hung attempts plus a slow (but answered) third outlive the lease, all retried in-process.
// Expected: HubSpot ends with the newer snapshot (no send after the lease is gone, or leases renewed).
//   pnpm exec tsx --conditions=@jobcannon/source chaos/repro/lease-lapse-stale-overwrite.ts
// Exits 1 while the bug is there, 0 once it is fixed.
import { createPostgresDatabase } from '@jobcannon/hubspot-core';
import { completedInvite, connectOrg, createPostgresTestDatabase, createTestIntegration, startTestEmulator } from '@jobcannon/hubspot-core/test-support';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const emulator = await startTestEmulator({ rateLimit: { max: 1_000 } });
const database = await createPostgresTestDatabase('repro_lease_lapse');
const otherPool = createPostgresDatabase(database.connectionString, { max: 4 });
const settings = { leaseMs: 4_000, requestTimeoutMs: 2_000, retry: { baseDelayMs: 100, maxDelayMs: 200 } };
const first = createTestIntegration(database.db, emulator, { ...settings, workerId: 'first' });
const second = createTestIntegration(otherPool, emulator, { ...settings, workerId: 'second' });
try {
  await first.migrate();
  await connectOrg(first, emulator, { orgId: 'org-1', hubId: 1001 });
  const older = completedInvite('org-1', 1);
  const newer = completedInvite('org-1', 1, { id: 'inv_retake', updatedAt: '2026-06-01T00:00:00.000Z', completedAt: '2026-06-01T00:00:00.000Z' });
  await first.enqueue(older);
  // Two upserts hang until the client gives up (2 s each); the third is answered after 1.9 s,
  // inside the client's timeout, at about 6 s: well after the 4 s lease lapsed.
  emulator.setFaults([
    { route: 'contacts.batchUpsert', kind: 'timeout', times: 2, hangMs: 10_000 },
    { route: 'contacts.batchUpsert', latencyMs: 1_900, times: 1 },
  ]);
  const firstDrain = first.drain();
  await sleep(4_500); // the first worker's lease has lapsed; its third attempt is on the wire
  await first.enqueue(newer);
  const pushedBySecond = (await second.drain()).pushed;
  console.log(`second worker pushed ${pushedBySecond}; HubSpot shows ${emulator.contact(1001, older.email)?.properties.jc_invitation_id}`);
  const firstResult = await firstDrain;
  console.log(`first worker's drain: pushed ${firstResult.pushed} (its older snapshot, answered within its timeout)`);
  const row = (await database.db('hubspot_outbox').first('status', 'invite_id', 'version')) as { status: string; invite_id: string; version: number };
  const shown = emulator.contact(1001, older.email)?.properties.jc_invitation_id;
  console.log(`outbox: ${row.status} ${row.invite_id} (version ${row.version}); HubSpot finally shows ${shown}`);
  const bug = shown !== 'inv_retake';
  console.log(bug ? 'BUG REPRODUCED: the older snapshot overwrote the newer one' : 'not reproduced');
  process.exitCode = bug ? 1 : 0;
} finally {
  await first.close();
  await second.close();
  await otherPool.destroy();
  await emulator.close();
  await database.drop();
}
