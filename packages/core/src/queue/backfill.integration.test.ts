import type { Emulator } from '@jobcannon/hubspot-emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CompletedInviteSource, HubSpotIntegration } from '../integration/types.js';
import type { AssessmentInvite } from '../mapping/assessment-invite.js';
import { completedInvite, connectOrg, createTestIntegration, startTestEmulator } from '../test-support/integration-harness.js';
import { createPostgresTestDatabase, type PostgresTestDatabase } from '../test-support/test-databases.js';

const HUB = 1001;
const PAGE = 50;

/** A host's completed invites, paged by a cursor that is the next index; counts the pages it served. */
function pagedSource(invitesFor: (orgId: string) => AssessmentInvite[], options: { failAfterPages?: number } = {}): CompletedInviteSource & { served: number[] } {
  const served: number[] = [];
  return {
    served,
    count: async (orgId) => invitesFor(orgId).length,
    async *pages(orgId, cursor) {
      const all = invitesFor(orgId);
      for (let start = cursor === null ? 0 : Number(cursor); start < all.length; start += PAGE) {
        if (options.failAfterPages !== undefined && served.length >= options.failAfterPages) throw new Error('host database went away');
        served.push(start);
        const next = start + PAGE;
        yield { invites: all.slice(start, next), nextCursor: next < all.length ? String(next) : null };
      }
    },
  };
}

describe('backfill of past results', () => {
  let database: PostgresTestDatabase;
  let emulator: Emulator;
  const open: HubSpotIntegration[] = [];
  let seq = 0;
  let orgId = '';

  beforeAll(async () => {
    database = await createPostgresTestDatabase('backfill');
    emulator = await startTestEmulator({ rateLimit: { max: 10_000 } });
    const migrator = createTestIntegration(database.db, emulator);
    await migrator.migrate();
    await migrator.close();
  });
  afterAll(async () => {
    for (const integration of open) await integration.close();
    await emulator?.close();
    await database?.drop();
  });
  beforeEach(async () => {
    emulator.reset();
    seq += 1;
    orgId = `org-backfill-${seq}`;
    await database.db('hubspot_connections').update({ status: 'disconnected' });
  });

  const past = (count: number) => (org: string) => Array.from({ length: count }, (_, index) => completedInvite(org, 1_000 + index));
  function integrationWith(source: CompletedInviteSource, mode: 'automatic' | 'offered' = 'offered') {
    const integration = createTestIntegration(database.db, emulator, { backfill: { source, mode } });
    open.push(integration);
    return integration;
  }

  it('offers the org’s past results after the first connect, streams them page by page, and they all land', async () => {
    const source = pagedSource(past(230));
    const integration = integrationWith(source);
    await integration.migrate();
    await connectOrg(integration, emulator, { orgId, hubId: HUB });
    await expect.poll(async () => (await integration.status(orgId)).backfill?.state).toBe('offered');
    expect((await integration.status(orgId)).backfill).toMatchObject({ total: 230, enqueued: 0 });

    await integration.startBackfill(orgId);
    await expect.poll(async () => (await integration.status(orgId)).backfill?.state, { timeout: 20_000 }).toBe('done');
    expect(source.served).toEqual([0, 50, 100, 150, 200]);
    await integration.drain();
    const status = (await integration.status(orgId)).backfill!;
    expect(status).toMatchObject({ state: 'done', total: 230, enqueued: 230, pushed: 230, failed: 0, pending: 0 });
    expect(emulator.contacts(HUB)).toHaveLength(230);
  });

  it('resumes from its persisted cursor after the host source fails part-way, without re-reading earlier pages', async () => {
    const failing = pagedSource(past(200), { failAfterPages: 2 });
    const first = integrationWith(failing);
    await first.migrate();
    await connectOrg(first, emulator, { orgId, hubId: HUB });
    await first.startBackfill(orgId);
    await expect.poll(async () => (await first.status(orgId)).backfill?.state, { timeout: 20_000 }).toBe('failed');
    expect((await first.status(orgId)).backfill).toMatchObject({ enqueued: 100 });

    // Another process (say, after a restart) picks it up from page 3.
    const healthy = pagedSource(past(200));
    const second = integrationWith(healthy);
    await second.startBackfill(orgId);
    await expect.poll(async () => (await second.status(orgId)).backfill?.state, { timeout: 20_000 }).toBe('done');
    expect(healthy.served).toEqual([100, 150]);
    expect((await second.status(orgId)).backfill).toMatchObject({ enqueued: 200 });
  });

  it('runs once per org across processes, and cancelling stops it after the page in flight', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: CompletedInviteSource = {
      count: async () => 500,
      async *pages(org, cursor) {
        const all = past(500)(org);
        for (let start = cursor === null ? 0 : Number(cursor); start < all.length; start += PAGE) {
          if (start > 0) await gate;
          yield { invites: all.slice(start, start + PAGE), nextCursor: String(start + PAGE) };
        }
      },
    };
    const a = integrationWith(slow);
    const b = integrationWith(slow);
    await a.migrate();
    await connectOrg(a, emulator, { orgId, hubId: HUB });
    await a.startBackfill(orgId);
    await expect.poll(async () => (await a.status(orgId)).backfill?.enqueued).toBe(50);
    // Process B tries while A holds the org's backfill lock.
    expect(await b.runBackfill(orgId)).toMatchObject({ ran: false });
    await a.cancelBackfill(orgId);
    release();
    await expect.poll(async () => (await a.status(orgId)).backfill?.state).toBe('cancelled');
    // At most the page in flight after the cancel.
    expect((await a.status(orgId)).backfill!.enqueued).toBeLessThanOrEqual(100);
  });

  it('live results are claimed before backfilled ones', async () => {
    const integration = integrationWith(pagedSource(past(300)), 'automatic');
    await integration.migrate();
    await connectOrg(integration, emulator, { orgId, hubId: HUB });
    await expect.poll(async () => (await integration.status(orgId)).backfill?.state, { timeout: 20_000 }).toBe('done');
    await integration.enqueue(completedInvite(orgId, 1));
    // One claim's worth: the live row goes in the first request.
    await integration.drain({ maxRows: 1 });
    expect(emulator.contact(HUB, 'candidate.1@example.com')).toBeDefined();
    expect(emulator.contacts(HUB)).toHaveLength(1);
  });
  it('a live result’s request is filled up with backfilled rows: one request, a hundred inputs, the live one among them', async () => {
    const integration = integrationWith(pagedSource(past(300)), 'automatic');
    await integration.migrate();
    await connectOrg(integration, emulator, { orgId, hubId: HUB });
    await expect.poll(async () => (await integration.status(orgId)).backfill?.state, { timeout: 20_000 }).toBe('done');
    await integration.enqueue(completedInvite(orgId, 1));
    const before = emulator.requests({ hubId: HUB, route: 'contacts.batchUpsert' }).length;
    await integration.drain({ maxRows: 100 });
    const sent = emulator.requests({ hubId: HUB, route: 'contacts.batchUpsert' }).slice(before);
    expect(sent).toHaveLength(1);
    const emails = (sent[0]!.requestBody as { inputs: Array<{ id: string }> }).inputs.map((input) => input.id);
    expect(emails).toHaveLength(100);
    expect(emails).toContain('candidate.1@example.com');
    expect(emulator.contacts(HUB)).toHaveLength(100);
  });
});
