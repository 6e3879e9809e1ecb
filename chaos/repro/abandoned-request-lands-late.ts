// Reproduces a design gap (not a lease bug): HubSpot is slow, the client gives up on an upsert
// (timeout) and retries; the retry succeeds and the row is done. A newer snapshot is pushed later.
// Then HubSpot finally processes the abandoned first request and writes the older values over the
// newer ones. The outbox says the newer snapshot is done; HubSpot shows the older one for good.
// A timed-out request may still be applied (a 504 from HubSpot's gateway often was), and HubSpot
// has no conditional write, so only the kit can repair it, e.g. by re-pushing the latest snapshot
// of a row whose history includes a timeout once a quiet period has passed, or by reading back.
// Expected: HubSpot ends with the newer snapshot.
//   pnpm exec tsx --conditions=@jobcannon/source chaos/repro/abandoned-request-lands-late.ts
// Exits 1 while the gap is there, 0 once the kit repairs it (within 10 s here).
import { completedInvite, connectOrg, createPostgresTestDatabase, createTestIntegration, startTestEmulator } from '@jobcannon/hubspot-core/test-support';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const emulator = await startTestEmulator({ rateLimit: { max: 1_000 } });
const database = await createPostgresTestDatabase('repro_abandoned_request');
const integration = createTestIntegration(database.db, emulator, { requestTimeoutMs: 1_000, retry: { baseDelayMs: 50, maxDelayMs: 100 } });
try {
  await integration.migrate();
  await connectOrg(integration, emulator, { orgId: 'org-1', hubId: 1001 });
  const older = completedInvite('org-1', 1);
  const newer = completedInvite('org-1', 1, { id: 'inv_retake', updatedAt: '2026-06-01T00:00:00.000Z', completedAt: '2026-06-01T00:00:00.000Z' });
  await integration.enqueue(older);
  // The first upsert is answered after 3 s: the client has given up at 1 s and retried by then.
  emulator.setFaults([{ route: 'contacts.batchUpsert', latencyMs: 3_000, times: 1 }]);
  await integration.drain();
  await integration.enqueue(newer);
  await integration.drain();
  console.log(`after the newer push HubSpot shows ${emulator.contact(1001, older.email)?.properties.jc_invitation_id}`);
  // Give the kit every chance to notice and repair (a host drains periodically).
  for (let waited = 0; waited < 10_000; waited += 500) {
    await sleep(500);
    await integration.maintain();
    await integration.drain();
  }
  const shown = emulator.contact(1001, older.email)?.properties.jc_invitation_id;
  const row = (await database.db('hubspot_outbox').first('status', 'invite_id')) as { status: string; invite_id: string };
  console.log(`10 s later: outbox ${row.status} ${row.invite_id}; HubSpot shows ${shown}`);
  const gap = shown !== 'inv_retake';
  console.log(gap ? 'GAP REPRODUCED: the abandoned older write landed last' : 'not reproduced');
  process.exitCode = gap ? 1 : 0;
} finally {
  await integration.close();
  await emulator.close();
  await database.drop();
}
