import { PROPERTY_NAMES, type FailureItem } from '@jobcannon/hubspot-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MOUNT,
  WIDGET_POST,
  completedInvite,
  connectOrg,
  expectNothingLeaked,
  startRouterHarness,
  user,
  type RouterHarness,
} from './test-support/router-harness.js';

describe('resync, failures, retry and disconnect (router + core + emulator + PostgreSQL)', () => {
  let h: RouterHarness;
  beforeAll(async () => {
    h = await startRouterHarness();
    await connectOrg(h.app, 'org-ops', 1001);
  });
  afterAll(async () => {
    await h?.close();
  });

  const post = (path: string, body: unknown = {}) => request(h.app).post(`${MOUNT}${path}`).set(user('org-ops')).set(WIDGET_POST).send(body as object);
  const get = (path: string) => request(h.app).get(`${MOUNT}${path}`).set(user('org-ops'));

  it('POST /resync re-creates a property deleted in HubSpot and returns the BootstrapReport', async () => {
    const name = PROPERTY_NAMES[0] ?? '';
    h.emulator.deleteProperty(1001, name);
    const report = (await post('/resync').expect(200)).body;
    expect(report).toMatchObject({ ok: true, groupCreated: false, created: [name], missing: [], drift: [] });
    expect(report.existing).toHaveLength(PROPERTY_NAMES.length - 1);
    expect(typeof report.checkedAt).toBe('string');
    expect(h.emulator.properties(1001).some((property) => property.name === name)).toBe(true);
  });

  it('GET /failures pages the failed rows and POST /failures/retry puts them back in the queue', async () => {
    // HubSpot rejects these addresses (no such TLD): failed at once, with the reason, for the admin.
    for (const n of [1, 2, 3]) await h.integration.enqueue(completedInvite('org-ops', `inv-bad-${n}`, `bad${n}@example.con`));
    await h.integration.enqueue(completedInvite('org-ops', 'inv-good', 'good@example.com'));
    const drained = await h.integration.drain({ orgId: 'org-ops' });
    expect(drained).toMatchObject({ pushed: 1, failed: 3 });
    expect(h.emulator.contact(1001, 'good@example.com')).toBeDefined();

    const first = (await get('/failures?limit=2').expect(200)).body;
    expect(first.total).toBe(3);
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const item: FailureItem = first.items[0];
    // Core's FailureItem as it is: a code and structured details, never prose (the widget words it).
    expect(item).toEqual({
      id: expect.any(String),
      email: expect.stringMatching(/^bad\d@example\.con$/),
      inviteId: expect.stringMatching(/^inv-bad-/),
      code: expect.any(String),
      details: expect.any(Object),
      retryable: expect.any(Boolean),
      attempts: expect.any(Number),
      failedAt: expect.any(String),
    });
    // The router passes core's page through untouched.
    expect(first).toEqual(await h.integration.failures('org-ops', { limit: 2 }));
    const second = (await get(`/failures?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`).expect(200)).body;
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const all = [...first.items, ...second.items].map((failure: FailureItem) => failure.email).sort();
    expect(all).toEqual(['bad1@example.con', 'bad2@example.con', 'bad3@example.con']);

    expect((await get('/status').expect(200)).body.queue).toEqual({ pending: 0, failed: 3, held: 0 });
    // HubSpot refused these addresses: a retry cannot help, so none is re-queued.
    await post('/failures/retry', { ids: [item.id] }).expect(200, { retried: 0 });
    await post('/failures/retry').expect(200, { retried: 0 });
    expect((await get('/status')).body.queue).toMatchObject({ failed: 3 });
    // Failures a retry can help (an outage that outlived the horizon) are re-queued.
    await h.database.db('hubspot_outbox').where({ org_id: 'org-ops', status: 'failed' }).update({ last_error_code: 'RETRIES_EXHAUSTED' });
    await post('/failures/retry', { ids: [item.id] }).expect(200, { retried: 1 });
    expect((await get('/status')).body.queue).toMatchObject({ pending: 1, failed: 2 });
    expect((await get('/status')).body.syncing).toBe(true);
    await post('/failures/retry').expect(200, { retried: 2 });
    expect((await get('/status')).body.queue).toMatchObject({ pending: 3, failed: 0 });
    // They fail again (the addresses are still bad) and stay listed.
    await h.integration.drain({ orgId: 'org-ops' });
    expect((await get('/failures')).body.total).toBe(3);
  });

  it('POST /disconnect uninstalls the app in HubSpot, keeps queued rows and shows disconnected', async () => {
    await h.integration.enqueue(completedInvite('org-ops', 'inv-held', 'held@example.com'));
    expect(h.emulator.snapshot().installs.some((install) => install.hubId === 1001)).toBe(true);

    await post('/disconnect').expect(200, { status: 'disconnected' });

    expect(h.emulator.snapshot().installs.some((install) => install.hubId === 1001)).toBe(false);
    const status = (await get('/status').expect(200)).body;
    expect(status.status).toBe('disconnected');
    expect(status.syncing).toBe(false);
    expect(status.queue).toEqual({ pending: 0, failed: 3, held: 1 });
    expect((await get('/failures')).body.total).toBe(3);
    // Idempotent, like a double click.
    await post('/disconnect').expect(200, { status: 'disconnected' });
  });

  it('never leaks a token, the client secret or a stack trace', () => {
    expectNothingLeaked(h);
  });
});
