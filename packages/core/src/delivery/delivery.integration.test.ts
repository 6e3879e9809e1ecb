import type { Emulator } from '@jobcannon/hubspot-emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HubSpotIntegration } from '../integration/types.js';
import { PROPERTY_NAMES } from '../mapping/property-definitions.js';
import { completedInvite, connectOrg, createTestIntegration, startTestEmulator } from '../test-support/integration-harness.js';
import { createPostgresTestDatabase, type PostgresTestDatabase } from '../test-support/test-databases.js';

const HUB = 1001;

describe('delivery against the emulator over HTTP', () => {
  let database: PostgresTestDatabase;
  let emulator: Emulator;
  let integration: HubSpotIntegration;
  let orgSeq = 0;
  let orgId = '';

  beforeAll(async () => {
    database = await createPostgresTestDatabase('delivery');
    // A roomy limit: these tests are about outcomes, not pacing (the bench measures pacing).
    emulator = await startTestEmulator({ rateLimit: { max: 1_000 } });
    // Small backoff steps so storms retry quickly in-process; the attempt cap is the real one (6).
    integration = createTestIntegration(database.db, emulator, { retry: { baseDelayMs: 20, maxDelayMs: 200 }, requestTimeoutMs: 1_500 });
    await integration.migrate();
  });

  afterAll(async () => {
    await integration?.close();
    await emulator?.close();
    await database?.drop();
  });

  beforeEach(async () => {
    emulator.reset();
    orgSeq += 1;
    orgId = `org-delivery-${orgSeq}`;
    const connected = await connectOrg(integration, emulator, { orgId, hubId: HUB });
    expect(connected.bootstrap.ok).toBe(true);
    emulator.resetCounters();
  });

  const routeCount = (route: string) => emulator.counters().portals[String(HUB)]?.byRoute[route]?.requests ?? 0;

  async function enqueueAll(count: number, offset = 0) {
    for (let index = 0; index < count; index += 1) await integration.enqueue(completedInvite(orgId, offset + index));
  }

  describe('bootstrap', () => {
    it('creates the group and all 17 properties on first connect', () => {
      const names = emulator.properties(HUB).map((property) => property.name);
      for (const name of PROPERTY_NAMES) expect(names).toContain(name);
      expect(emulator.groups(HUB).map((group) => group.name)).toContain('jobcannon_assessments');
    });

    it('writes nothing the second time', async () => {
      const report = await integration.resync(orgId);
      expect(report).toMatchObject({ ok: true, groupCreated: false, created: [], missing: [], drift: [] });
      expect(report.existing).toHaveLength(17);
      expect(routeCount('properties.create') + routeCount('groups.create')).toBe(0);
    });

    it('re-creates a property a customer deleted, and only that one', async () => {
      emulator.deleteProperty(HUB, 'jc_mbti_type');
      const report = await integration.resync(orgId);
      expect(report.created).toEqual(['jc_mbti_type']);
      expect(routeCount('properties.create')).toBe(1);
    });

    it('re-creates a deleted group before its properties', async () => {
      emulator.deleteGroup(HUB, 'jobcannon_assessments');
      const report = await integration.resync(orgId);
      expect(report.groupCreated).toBe(true);
      expect(report.created).toHaveLength(17);
      expect(report.ok).toBe(true);
      const names = emulator.properties(HUB).map((property) => property.name);
      for (const name of PROPERTY_NAMES) expect(names).toContain(name);
    });

    it('reports drift without touching the property', async () => {
      const property = emulator.state.portals.get(HUB)!.properties.get('jc_iq_score')!;
      property.label = 'IQ (renamed by the customer)';
      const report = await integration.resync(orgId);
      expect(report.drift).toEqual([{ name: 'jc_iq_score', field: 'label', expected: 'JC IQ Score', actual: 'IQ (renamed by the customer)', severity: 'info' }]);
      expect(routeCount('properties.update')).toBe(0);
      // A renamed property is information, never the connection's problem.
      expect((await integration.status(orgId)).lastError).toBeNull();
    });

    it('reports a type change as one warning naming the property, apart from label-only drift', async () => {
      const property = emulator.state.portals.get(HUB)!.properties.get('jc_mbti_type')!;
      property.type = 'number';
      property.fieldType = 'number';
      const report = await integration.resync(orgId);
      expect(report.drift.filter((drift) => drift.severity === 'warning').map((drift) => `${drift.name}.${drift.field}`)).toEqual(['jc_mbti_type.type', 'jc_mbti_type.fieldType']);
      expect(new Set(report.drift.map((drift) => drift.name))).toEqual(new Set(['jc_mbti_type']));
    });
  });

  describe('upsert', () => {
    it('pushes 250 invites in 3 batches with all 17 properties', async () => {
      await enqueueAll(250);
      const result = await integration.drain();
      expect(result).toMatchObject({ pushed: 250, created: 250, failed: 0, retried: 0 });
      expect(routeCount('contacts.batchUpsert')).toBe(3);
      const contacts = emulator.contacts(HUB);
      expect(contacts).toHaveLength(250);
      const sample = emulator.contact(HUB, 'candidate.7@example.com')!;
      expect(sample.properties).toMatchObject({ jc_disc_d: '7', jc_iq_score: '107', jc_test_status: 'completed', jc_invitation_id: `inv_${orgId}_7` });
      const status = await integration.status(orgId);
      expect(status.queue).toEqual({ pending: 0, failed: 0, held: 0 });
      expect(status.lastSyncAt).not.toBeNull();
    });

    it('updates an existing contact and matches results by email, not position', async () => {
      await enqueueAll(30);
      await integration.drain();
      await integration.enqueue(completedInvite(orgId, 3, { updatedAt: '2026-06-01T00:00:00.000Z', email: ' CANDIDATE.3@Example.com ' }));
      const second = await integration.drain();
      expect(second).toMatchObject({ pushed: 1, updated: 1, created: 0 });
      expect(emulator.contacts(HUB)).toHaveLength(30);
      const log = await integration.syncLog(orgId, { inviteId: `inv_${orgId}_3` });
      expect(log.map((entry) => entry.outcome)).toEqual(['updated', 'created']);
      // Each outbox row's contact id is the one HubSpot gave that email.
      const contact = emulator.contact(HUB, 'candidate.3@example.com')!;
      expect(log[0]!.hubspotContactId).toBe(contact.id);
    });

    it('keeps one row per candidate: duplicate emails collapse, the newest snapshot wins', async () => {
      await integration.enqueue(completedInvite(orgId, 1, { id: 'first', updatedAt: '2026-05-17T10:00:00.000Z' }));
      await integration.enqueue(completedInvite(orgId, 1, { id: 'second', email: 'Candidate.1@EXAMPLE.com', updatedAt: '2026-05-17T11:00:00.000Z' }));
      await integration.enqueue(completedInvite(orgId, 1, { id: 'stale', updatedAt: '2026-05-17T09:00:00.000Z' }));
      const result = await integration.drain();
      expect(result.pushed).toBe(1);
      expect(emulator.contact(HUB, 'candidate.1@example.com')!.properties.jc_invitation_id).toBe('second');
    });

    it('lands 99 of 100 when HubSpot rejects one email, and keeps the one with its reason', async () => {
      await enqueueAll(99);
      await integration.enqueue(completedInvite(orgId, 500, { email: 'bad.tld@example.con' }));
      const result = await integration.drain();
      expect(result).toMatchObject({ pushed: 99, failed: 1 });
      expect(emulator.contacts(HUB)).toHaveLength(99);
      const failures = await integration.failures(orgId);
      expect(failures.total).toBe(1);
      expect(failures.items[0]).toMatchObject({ email: 'bad.tld@example.con', inviteId: `inv_${orgId}_500` });
      expect(failures.items[0]).toMatchObject({ code: 'HUBSPOT_INVALID_EMAIL', retryable: false, details: { email: 'bad.tld@example.con', property: 'email' } });
      expect(failures.items[0]!.details.hubspotMessage).toMatch(/Email address bad\.tld@example\.con is invalid/);
      // The whole batch was refused once, then the 99 went through: two requests, not a binary search.
      expect(routeCount('contacts.batchUpsert')).toBe(2);
    });

    it('narrows down a bad input HubSpot does not name (binary split) and lands the rest', async () => {
      await enqueueAll(20);
      // A partial snapshot whose completion time is garbage for HubSpot: valid for us, rejected there.
      emulator.state.portals.get(HUB)!.properties.get('jc_riasec_holland')!.type = 'number';
      await integration.enqueue(completedInvite(orgId, 900, { tests: [{ slug: 'riasec', status: 'completed', completedAt: '2026-05-17T14:32:00Z', result: { code: 'IAS' } }] }));
      const result = await integration.drain();
      expect(result).toMatchObject({ pushed: 20, failed: 1 });
      const failures = await integration.failures(orgId);
      expect(failures.items[0]!.email).toBe('candidate.900@example.com');
      expect(failures.items[0]).toMatchObject({ code: 'HUBSPOT_INVALID_VALUE', retryable: false, details: { property: 'jc_riasec_holland', value: 'IAS' } });
    });

    it('re-creates a property deleted by the customer, then lands the push', async () => {
      emulator.deleteProperty(HUB, 'jc_disc_d');
      await enqueueAll(5);
      const result = await integration.drain();
      expect(result.pushed).toBe(5);
      expect(emulator.contact(HUB, 'candidate.4@example.com')!.properties.jc_disc_d).toBe('4');
      expect(routeCount('properties.create')).toBe(1);
    });

    it('keeps an invite that fails our own validation, with its reason, without blocking others', async () => {
      const bad = completedInvite(orgId, 77, { tests: [{ slug: 'iq', status: 'completed', completedAt: '2026-05-17T14:32:00Z', result: { score: 400 } }] });
      const outcome = await integration.enqueue(bad);
      expect(outcome).toMatchObject({ queued: true, failed: { code: 'INVALID_INVITE' } });
      await enqueueAll(3);
      expect((await integration.drain()).pushed).toBe(3);
      const failures = await integration.failures(orgId);
      expect(failures.items[0]).toMatchObject({ code: 'INVALID_INVITE', retryable: false, details: { field: 'jc_iq_score', value: 400 } });
    });
  });

  describe('stopping', () => {
    it('returns its totals when aborted and leaves nothing leased', async () => {
      // Slow HubSpot down so the stop lands while batches are in flight or waiting for a slot.
      emulator.setFaults([{ route: 'contacts.batchUpsert', latencyMs: 1_500 }]);
      await enqueueAll(1_200);
      const controller = new AbortController();
      const running = integration.drain({ signal: controller.signal });
      await new Promise((resolve) => setTimeout(resolve, 300));
      controller.abort();
      const result = await running;
      expect(result.pushed).toBe(0);
      expect(result.held).toBeGreaterThan(0);
      const leased = await database.db('hubspot_outbox').where({ org_id: orgId }).whereNotNull('lease_owner').count('* as n');
      expect(Number(leased[0]!.n)).toBe(0);
      emulator.clearFaults();
      expect((await integration.drain()).pushed).toBe(1_200);
      // The abandoned requests still finish inside the emulator; let them, so the next test's
      // counters start clean.
      await new Promise((resolve) => setTimeout(resolve, 1_600));
    }, 30_000);
  });

  describe('writes HubSpot applies late', () => {
    it('reads back contacts after a timed-out upsert and pushes the latest again if an abandoned older write landed last', async () => {
      const quick = createTestIntegration(database.db, emulator, { requestTimeoutMs: 1_000, retry: { baseDelayMs: 20, maxDelayMs: 100 } });
      try {
        const older = completedInvite(orgId, 1);
        const newer = completedInvite(orgId, 1, { id: 'inv_retake', updatedAt: '2026-06-01T00:00:00.000Z', completedAt: '2026-06-01T00:00:00.000Z' });
        await quick.enqueue(older);
        // The first upsert is answered after 3 s: the kit gave up at 1 s and retried by then.
        emulator.setFaults([{ route: 'contacts.batchUpsert', latencyMs: 3_000, times: 1 }]);
        await quick.drain();
        await quick.enqueue(newer);
        await quick.drain();
        const [row] = await database.db('hubspot_outbox').where({ org_id: orgId });
        expect(row.verify_at).not.toBeNull();
        // Wait until the abandoned request must have landed and the read-back is due (2 × timeout).
        await new Promise((resolve) => setTimeout(resolve, 3_500));
        await quick.drain();
        expect(routeCount('contacts.batchRead')).toBeGreaterThanOrEqual(1);
        expect(emulator.contact(HUB, older.email)?.properties.jc_invitation_id).toBe('inv_retake');
        const [after] = await database.db('hubspot_outbox').where({ org_id: orgId });
        expect(after).toMatchObject({ status: 'done', invite_id: 'inv_retake', verify_at: null });
      } finally {
        await quick.close();
      }
    }, 30_000);
  });

  describe('transient failures', () => {
    it('rides out a 429 storm', async () => {
      emulator.setFaults([{ route: 'contacts.batchUpsert', kind: 429, times: 3 }]);
      await enqueueAll(10);
      const result = await integration.drain();
      expect(result).toMatchObject({ pushed: 10, failed: 0 });
      expect(routeCount('contacts.batchUpsert')).toBe(4);
    });

    it('rides out a 5xx storm (500, 502, 503, 504) and 423 Locked', async () => {
      emulator.setFaults([{ route: 'contacts.batchUpsert', kinds: [500, 502, 503, 504], times: 4 }]);
      await enqueueAll(10);
      expect(await integration.drain()).toMatchObject({ pushed: 10, failed: 0 });
      emulator.setFaults([{ route: 'contacts.batchUpsert', kind: 423, times: 1 }]);
      await integration.enqueue(completedInvite(orgId, 1, { updatedAt: '2026-07-01T00:00:00.000Z' }));
      expect(await integration.drain()).toMatchObject({ pushed: 1, failed: 0 });
    });

    it('rides out connection resets and timeouts', async () => {
      emulator.setFaults([
        { route: 'contacts.batchUpsert', kind: 'reset', times: 2 },
        { route: 'contacts.batchUpsert', kind: 'timeout', times: 1 },
      ]);
      await enqueueAll(10);
      expect(await integration.drain()).toMatchObject({ pushed: 10, failed: 0 });
      expect(emulator.contacts(HUB)).toHaveLength(10);
    });

    it('never fails a result for transient trouble inside the horizon; past it, fails it with the history, and Retry sends it', async () => {
      emulator.setFaults([{ route: 'contacts.batchUpsert', kind: 503 }]);
      await enqueueAll(2);
      // One pass: at most six attempts, then the rows go back to the queue with a due time ahead.
      // (A short first backoff can fall due while the drain is still looking, so it may take a
      // second pass; the second pass's delay is the queue's, a minute or more.)
      const first = await integration.drain();
      expect(first).toMatchObject({ pushed: 0, failed: 0 });
      expect(first.retried).toBeGreaterThanOrEqual(2);
      expect(routeCount('contacts.batchUpsert')).toBeLessThanOrEqual(12);
      const rows = await database.db('hubspot_outbox').where({ org_id: orgId });
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(row).toMatchObject({ status: 'pending', last_error_code: 'HUBSPOT_UNAVAILABLE' });
        expect(row.failing_since).not.toBeNull();
      }
      expect((await integration.failures(orgId)).total).toBe(0);
      expect((await integration.status(orgId)).lastError).toMatchObject({ code: 'HUBSPOT_UNAVAILABLE', retryable: true });

      // The outage has lasted 73 hours: the next pass fails them, naming the last transient cause.
      await database.db('hubspot_outbox').where({ org_id: orgId }).update({ failing_since: new Date(Date.now() - 73 * 3600_000), next_attempt_at: new Date(Date.now() - 1_000) });
      expect(await integration.drain()).toMatchObject({ failed: 2 });
      const failures = await integration.failures(orgId);
      expect(failures.total).toBe(2);
      expect(failures.items[0]).toMatchObject({ code: 'RETRIES_EXHAUSTED', retryable: true, details: { lastCode: 'HUBSPOT_UNAVAILABLE', status: 503 } });

      emulator.clearFaults();
      expect(await integration.retryFailed(orgId)).toEqual({ retried: 2 });
      expect(await integration.drain()).toMatchObject({ pushed: 2 });
      expect((await integration.failures(orgId)).total).toBe(0);
    });
  });
});
