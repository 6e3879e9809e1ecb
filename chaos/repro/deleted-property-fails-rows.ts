// Reproduces: a customer deletes a jc_* property while one drain has several batches for that
// portal in flight. Only the first batch re-runs the bootstrap; the others take the
// PROPERTY_DOESNT_EXIST 400 for a bad input, bisect themselves down to single contacts, and those
// that fail before the bootstrap has restored the property are marked failed for good.
// Expected: no row fails (the property comes back), and about one 400 per batch, not hundreds.
//   pnpm exec tsx --conditions=@jobcannon/source chaos/repro/deleted-property-fails-rows.ts
// Exits 1 while the bug is there, 0 once it is fixed.
import { completedInvite, connectOrg, createPostgresTestDatabase, createTestIntegration, startTestEmulator } from '@jobcannon/hubspot-core/test-support';

const emulator = await startTestEmulator({ rateLimit: { max: 1_000 } });
const database = await createPostgresTestDatabase('repro_deleted_property');
const integration = createTestIntegration(database.db, emulator, { retry: { baseDelayMs: 50, maxDelayMs: 200 } });
try {
  await integration.migrate();
  await connectOrg(integration, emulator, { orgId: 'org-1', hubId: 1001 });
  for (let index = 0; index < 500; index += 1) await integration.enqueue(completedInvite('org-1', index));
  emulator.deleteProperty(1001, 'jc_disc_d');
  emulator.resetCounters();
  // HubSpot's properties API answers in a few hundred milliseconds, not instantly.
  emulator.setFaults([{ route: 'properties.*', latencyMs: 300 }]);
  const result = await integration.drain();
  const failures = await integration.failures('org-1', { limit: 3 });
  const upserts = emulator.counters().totals.byRoute['contacts.batchUpsert'];
  console.log(`drain: pushed ${result.pushed}, failed ${result.failed} of 500 valid invites`);
  console.log(`upsert requests ${upserts?.requests ?? 0}, of which 400: ${upserts?.byStatus['400'] ?? 0}`);
  for (const item of failures.items) console.log(`failed for good: ${item.email} ${item.code}: ${JSON.stringify(item.details).slice(0, 100)}…`);
  const bug = result.failed > 0 || (upserts?.byStatus['400'] ?? 0) > 10;
  console.log(bug ? 'BUG REPRODUCED' : 'not reproduced');
  process.exitCode = bug ? 1 : 0;
} finally {
  await integration.close();
  await emulator.close();
  await database.drop();
}
