import type { AssessmentInvite, CompletedInviteSource, FailureItem } from '@jobcannon/hubspot-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOUNT, WIDGET_POST, completedInvite, connectOrg, expectNothingLeaked, startRouterHarness, user, type RouterHarness } from './test-support/router-harness.js';

// The admin's row beyond connect/resync/disconnect: what the status says a user may do, Sync now,
// Dismiss, and the backfill of past results (router + core + emulator + PostgreSQL).

const PAST = 30;
/** The host's completed invites of an org, in pages of 10 from a numeric cursor. */
const pastResults: CompletedInviteSource = {
  count: async () => PAST,
  async *pages(orgId, cursor) {
    for (let start = Number(cursor ?? 0); start < PAST; start += 10) {
      const invites: AssessmentInvite[] = Array.from({ length: Math.min(10, PAST - start) }, (_, i) => completedInvite(orgId, `inv-past-${start + i}`, `past${start + i}@example.com`));
      yield { invites, nextCursor: start + 10 < PAST ? String(start + 10) : null };
    }
  },
};

describe('status permissions, Sync now, Dismiss and the backfill', () => {
  let h: RouterHarness;
  beforeAll(async () => {
    h = await startRouterHarness({ integration: { backfill: { source: pastResults, mode: 'offered' } } });
    await connectOrg(h.app, 'org-row', 1001);
  });
  afterAll(async () => {
    await h?.close();
  });

  const post = (path: string, body: unknown = {}, who = user('org-row')) => request(h.app).post(`${MOUNT}${path}`).set(who).set(WIDGET_POST).send(body as object);
  const status = async (who = user('org-row')) => (await request(h.app).get(`${MOUNT}/status`).set(who).expect(200)).body;

  it('GET /status tells admins they may manage, members that they may not', async () => {
    expect((await status()).permissions).toEqual({ manage: true });
    expect((await status(user('org-row', 'member-1', 'member'))).permissions).toEqual({ manage: false });
  });

  it('offers the past results after the first connect; POST /backfill sends them; members cannot', async () => {
    await expect.poll(async () => (await status()).backfill?.state, { timeout: 10_000 }).toBe('offered');
    expect((await status()).backfill.total).toBe(PAST);
    expect((await post('/backfill', {}, user('org-row', 'member-1', 'member')).expect(403)).body.error.code).toBe('FORBIDDEN');
    const started = (await post('/backfill').expect(200)).body;
    expect(['running', 'done']).toContain(started.state);
    await expect.poll(async () => (await status()).backfill?.state, { timeout: 20_000 }).toBe('done');
    await h.integration.drain({ orgId: 'org-row' });
    expect(h.emulator.contact(1001, 'past0@example.com')).toBeDefined();
    expect(h.emulator.contact(1001, `past${PAST - 1}@example.com`)).toBeDefined();
    // Cancelling a finished backfill changes nothing.
    expect((await post('/backfill/cancel').expect(200)).body.state).toBe('done');
  });

  it('POST /sync answers how many results are queued, for admins only', async () => {
    await h.integration.enqueue(completedInvite('org-row', 'inv-sync', 'sync@example.com'));
    const answer = (await post('/sync').expect(200)).body;
    expect(answer).toEqual({ pending: expect.any(Number) });
    expect((await post('/sync', {}, user('org-row', 'member-1', 'member')).expect(403)).body.error.code).toBe('FORBIDDEN');
    await expect.poll(() => h.emulator.contact(1001, 'sync@example.com')?.properties.jc_test_status, { timeout: 10_000 }).toBe('completed');
  });

  it('the status lists recent pushes with a link to each contact, and the property group', async () => {
    await h.integration.enqueue(completedInvite('org-row', 'inv-sync', 'sync@example.com'));
    await h.integration.drain({ orgId: 'org-row' });
    const report = await status();
    expect(report.contactsSynced).toBeGreaterThan(0);
    expect(report.recentPushes.length).toBeLessThanOrEqual(20);
    const push = report.recentPushes.find((item: { email: string }) => item.email === 'sync@example.com');
    const contact = h.emulator.contact(1001, 'sync@example.com');
    expect(push).toMatchObject({ contactId: contact?.id, contactUrl: expect.stringContaining(`/contacts/1001/record/0-1/${contact?.id}`) });
    expect(report.links.propertyGroup).toEqual(expect.stringContaining('/property-settings/1001/properties'));
    // The emulator serves both pages (the demo's "View in HubSpot").
    expect((await fetch(push.contactUrl)).status).toBe(200);
    expect((await fetch(report.links.propertyGroup)).status).toBe(200);
  });

  it('POST /failures/dismiss takes failures off the list: a refused email and an invalid snapshot', async () => {
    await h.integration.enqueue(completedInvite('org-row', 'inv-bad', 'bad@example.con'));
    await h.integration.enqueue(completedInvite('org-row', 'inv-invalid', 'not-an-email'));
    await h.integration.drain({ orgId: 'org-row' });
    const page = (await request(h.app).get(`${MOUNT}/failures`).set(user('org-row')).expect(200)).body;
    const ids = page.items.map((item: FailureItem) => item.id);
    expect(page.items.every((item: FailureItem) => !item.retryable)).toBe(true);
    expect(ids.some((id: string) => id.startsWith('invalid-'))).toBe(true);
    expect((await status()).queue.failed).toBe(page.total);

    expect((await post('/failures/dismiss', { ids }, user('org-row', 'member-1', 'member')).expect(403)).body.error.code).toBe('FORBIDDEN');
    expect((await post('/failures/dismiss', { ids }).expect(200)).body).toEqual({ dismissed: ids.length });
    expect((await request(h.app).get(`${MOUNT}/failures`).set(user('org-row')).expect(200)).body.total).toBe(0);
    expect((await status()).queue.failed).toBe(0);
    // Another org's ids dismiss nothing of theirs (the org is the session's, never the body's).
    expect((await post('/failures/dismiss', { ids }, user('org-other')).expect(200)).body).toEqual({ dismissed: 0 });
  });

  it('never leaks a token, the client secret or a stack trace', () => {
    expectNothingLeaked(h);
  });
});
