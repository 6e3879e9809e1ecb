// Reproduces: during a token-endpoint outage, every retry of the held rows first sends an upsert
// with the access token HubSpot already refused. After the first 401 the refresh fails (503) and
// the rows are held until the connection's refresh backoff ends; when they come due, the token
// keeper still hands out the stored access token (its stored expiry says it is valid), so the
// upsert goes out, is answered 401, and only then is the refresh tried again. One wasted 401 per
// backoff step, for as long as the outage lasts ("no upsert sent without a valid token").
// Expected: once a 401 has proved the stored token dead and the refresh failed, no upsert is sent
// until a refresh succeeds (e.g. the failed refresh also marks the stored access token expired).
//   pnpm exec tsx --conditions=@jobcannon/source chaos/repro/token-outage-upserts-dead-token.ts
// Exits 1 while the bug is there, 0 once it is fixed.
import { completedInvite, connectOrg, createMovableClock, createPostgresTestDatabase, createTestIntegration, startTestEmulator } from '@jobcannon/hubspot-core/test-support';

// Real time plus a hand-moved offset: ten minutes of outage in a second or two.
const offset = createMovableClock(0);
const clock = { now: () => Date.now() + offset.now() };
const emulator = await startTestEmulator({ rateLimit: { max: 1_000 } });
const database = await createPostgresTestDatabase('repro_token_outage');
const integration = createTestIntegration(database.db, emulator, { clock, retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 50 } });
try {
  await integration.migrate();
  await connectOrg(integration, emulator, { orgId: 'org-1', hubId: 1001 });
  for (let index = 0; index < 10; index += 1) await integration.enqueue(completedInvite('org-1', index));
  emulator.setFaults([{ route: 'oauth.token', kind: 503 }]);
  emulator.expireAccessTokens(1001);
  emulator.resetCounters();
  for (let step = 0; step < 120; step += 1) {
    await integration.drain({ orgId: 'org-1' });
    offset.advance(5_000);
  }
  const counters = emulator.counters().totals.byRoute;
  const upserts = counters['contacts.batchUpsert'];
  const unauthorized = upserts?.byStatus['401'] ?? 0;
  const status = await integration.status('org-1');
  console.log(`10 simulated minutes: ${counters['oauth.token']?.requests ?? 0} token calls, ${upserts?.requests ?? 0} upserts of which ${unauthorized} answered 401; lastError ${status.lastError?.code ?? 'none'}`);
  // The first 401 is how the kit learns the token died; every further one was sent knowing it.
  const bug = unauthorized > 1;
  console.log(bug ? 'BUG REPRODUCED: upserts sent with a token already refused' : 'not reproduced');
  process.exitCode = bug ? 1 : 0;
} finally {
  await integration.close();
  await emulator.close();
  await database.drop();
}
