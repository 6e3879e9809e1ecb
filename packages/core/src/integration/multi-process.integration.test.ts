import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Emulator } from '@jobcannon/hubspot-emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../storage/database.js';
import { completedInvite, connectOrg, createMovableClock, createRecordingNotifier, createTestIntegration, startTestEmulator } from '../test-support/integration-harness.js';
import { createPostgresTestDatabase, testServerUrl, type PostgresTestDatabase } from '../test-support/test-databases.js';
import type { HubSpotIntegration } from './types.js';

const HUB = 1001;
const workerScript = fileURLToPath(new URL('../test-support/drain-worker.ts', import.meta.url));

function startWorker(env: Record<string, string>): { child: ChildProcess; ready: Promise<void>; done: Promise<{ pushed: number } | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@jobcannon/source', workerScript], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stderr = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('"event":"ready"')) markReady();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ pushed: number } | null>((resolve, reject) => {
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') return resolve(null);
      if (code !== 0) return reject(new Error(`worker exited ${code}: ${stderr.slice(-2000)}`));
      const line = output.split('\n').find((entry) => entry.includes('"event":"done"'));
      resolve(line ? (JSON.parse(line) as { pushed: number }) : null);
    });
  });
  return { child, ready, done };
}

describe('several processes on one PostgreSQL', () => {
  let database: PostgresTestDatabase;
  let emulator: Emulator;
  let integration: HubSpotIntegration;
  let orgId = '';
  let seq = 0;

  beforeAll(async () => {
    database = await createPostgresTestDatabase('multiprocess');
    emulator = await startTestEmulator({ rateLimit: { max: 1_000 } });
    integration = createTestIntegration(database.db, emulator, { retry: { baseDelayMs: 20, maxDelayMs: 200 } });
    await integration.migrate();
  });

  afterAll(async () => {
    await integration?.close();
    await emulator?.close();
    await database?.drop();
  });

  beforeEach(async () => {
    emulator.reset();
    seq += 1;
    orgId = `org-mp-${seq}`;
    await connectOrg(integration, emulator, { orgId, hubId: HUB });
  });

  async function enqueueMany(count: number): Promise<void> {
    for (let start = 0; start < count; start += 500) {
      await database.db.transaction(async (trx) => {
        for (let index = start; index < Math.min(count, start + 500); index += 1) await integration.enqueue(completedInvite(orgId, index), trx);
      });
    }
  }

  it('refreshes a token once when two processes need it at the same moment', async () => {
    const clock = createMovableClock();
    const other = createPostgresDatabase(database.connectionString, { max: 4 });
    const first = createTestIntegration(database.db, emulator, { clock });
    const second = createTestIntegration(other, emulator, { clock });
    try {
      await enqueueMany(400);
      clock.advance(28 * 60_000); // inside the refresh-ahead window of the 30-minute token
      const tokenCallsBefore = emulator.counters().totals.byRoute['oauth.token']?.requests ?? 0;
      const [a, b] = await Promise.all([first.drain(), second.drain()]);
      expect(a.pushed + b.pushed).toBe(400);
      expect((emulator.counters().totals.byRoute['oauth.token']?.requests ?? 0) - tokenCallsBefore).toBe(1);
    } finally {
      await first.close();
      await second.close();
      await other.destroy();
    }
  });

  it('alerts the owner once when two processes both find the app uninstalled', async () => {
    const other = createPostgresDatabase(database.connectionString, { max: 4 });
    const notifierA = createRecordingNotifier();
    const notifierB = createRecordingNotifier();
    const first = createTestIntegration(database.db, emulator, { notifier: notifierA });
    const second = createTestIntegration(other, emulator, { notifier: notifierB });
    try {
      await enqueueMany(300);
      emulator.uninstall(HUB);
      await Promise.all([first.drain(), second.drain()]);
      expect([...notifierA.sent, ...notifierB.sent].map((sent) => sent.kind)).toEqual(['must_reconnect']);
      expect((await first.status(orgId)).queue).toEqual({ pending: 0, failed: 0, held: 300 });
    } finally {
      await first.close();
      await second.close();
      await other.destroy();
    }
  });

  it('three worker processes drain 5,000 rows: none lost, none pushed twice', async () => {
    await enqueueMany(5_000);
    const workers = ['a', 'b', 'c'].map((id) =>
      startWorker({ JC_WORKER_DATABASE_URL: database.connectionString, JC_WORKER_EMULATOR_URL: emulator.url, JC_WORKER_ID: `worker-${id}` }),
    );
    const results = await Promise.all(workers.map((worker) => worker.done));
    const pushedByWorker = results.map((result) => result?.pushed ?? 0);
    expect(pushedByWorker.reduce((sum, value) => sum + value, 0)).toBe(5_000);
    expect(emulator.contacts(HUB)).toHaveLength(5_000);
    const outcomes = await database.db('hubspot_sync_log').where({ org_id: orgId }).select('outcome').count('* as n').groupBy('outcome');
    // Every candidate was created exactly once and never updated: no row went to HubSpot twice.
    expect(outcomes.map((row) => [row.outcome, Number(row.n)])).toEqual([['created', 5_000]]);
    expect((await integration.status(orgId)).queue).toEqual({ pending: 0, failed: 0, held: 0 });
  }, 120_000);

  it('reclaims and delivers the rows of a worker killed mid-batch', async () => {
    await enqueueMany(300);
    // Slow HubSpot down so the worker is inside a push when it dies.
    emulator.setFaults([{ hubId: HUB, route: 'contacts.batchUpsert', latencyMs: 4_000 }]);
    const worker = startWorker({ JC_WORKER_DATABASE_URL: database.connectionString, JC_WORKER_EMULATOR_URL: emulator.url, JC_WORKER_ID: 'doomed', JC_WORKER_LEASE_MS: '1500' });
    await worker.ready;
    for (let waited = 0; waited < 10_000; waited += 50) {
      const leased = await database.db('hubspot_outbox').where({ org_id: orgId, lease_owner: 'doomed' }).count('* as n');
      if (Number(leased[0]!.n) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    worker.child.kill('SIGKILL');
    expect(await worker.done).toBeNull();
    emulator.clearFaults();
    const leasedByDeadWorker = await database.db('hubspot_outbox').where({ org_id: orgId, lease_owner: 'doomed' }).count('* as n');
    expect(Number(leasedByDeadWorker[0]!.n)).toBeGreaterThan(0);

    // Nobody may take the rows while the lease is live; once it lapses they are reclaimed.
    expect((await integration.drain({ orgId })).pushed).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    expect((await integration.maintain()).reclaimed).toBeGreaterThan(0);
    await integration.drain({ orgId });
    const emails = new Set(emulator.contacts(HUB).map((contact) => contact.properties.email));
    for (let index = 0; index < 300; index += 1) expect(emails.has(`candidate.${index}@example.com`)).toBe(true);
    expect((await integration.status(orgId)).queue).toEqual({ pending: 0, failed: 0, held: 0 });
  }, 60_000);

  it('recovers when PostgreSQL drops every connection mid-run', async () => {
    await enqueueMany(1_000);
    emulator.setFaults([{ hubId: HUB, route: 'contacts.batchUpsert', latencyMs: 1_000 }]);
    const admin = createPostgresDatabase(testServerUrl(), { max: 1 });
    const databaseName = new URL(database.connectionString).pathname.slice(1);
    try {
      const running = integration.drain({ orgId }).catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // What a server restart looks like to the app: every backend of this database is killed.
      const killed = await admin.raw('SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()', [databaseName]);
      expect((killed.rows as Array<{ killed: boolean }>).filter((row) => row.killed).length).toBeGreaterThan(0);
      // The drain in flight either fails (a query was cut) or carries on over fresh connections
      // (knex drops dead ones); either way nothing it held may be lost.
      await running;
      emulator.clearFaults();
      for (let round = 0; round < 10; round += 1) {
        await new Promise((resolve) => setTimeout(resolve, round === 0 ? 100 : 700));
        await integration.maintain().catch(() => undefined);
        await integration.drain({ orgId }).catch(() => undefined);
        if ((await integration.status(orgId)).queue.pending === 0) break;
      }
      expect((await integration.status(orgId)).queue).toEqual({ pending: 0, failed: 0, held: 0 });
      expect(emulator.contacts(HUB)).toHaveLength(1_000);
    } finally {
      await admin.destroy();
    }
  }, 60_000);
});
