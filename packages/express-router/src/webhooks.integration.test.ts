import { signWebhookV3 } from '@jobcannon/hubspot-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubSpotRouter } from './create-hubspot-router.js';
import { MOUNT, completedInvite, connectOrg, expectNothingLeaked, startRouterHarness, testAuthorize, type RouterHarness } from './test-support/router-harness.js';

const WEBHOOK_URL = 'https://hooks.jobcannon.io/integrations/hubspot/webhooks';
// Core checks the timestamp on its own (real) clock; `deliver` stamps each request when it is sent.
const NOW = Date.now();
const SECRET = 'jc-demo-secret';

const event = (eventId: number, overrides: Record<string, unknown> = {}) => ({
  eventId,
  subscriptionId: 1,
  portalId: 1001,
  appId: 3001,
  occurredAt: NOW - 1_000,
  subscriptionType: 'contact.deletion',
  attemptNumber: 0,
  objectId: 123,
  changeSource: 'CRM',
  ...overrides,
});

describe('POST /webhooks (router + core + emulator + PostgreSQL)', () => {
  let h: RouterHarness;
  beforeAll(async () => {
    h = await startRouterHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A delivery signed like HubSpot's; `sign` overrides what the signature covers. */
  function deliver(
    app: Parameters<typeof request>[0],
    body: string,
    sign: { url?: string; body?: string; skewMs?: number; path?: string } = {},
  ) {
    // Stamped when sent, off the real clock by `skewMs`: the window edges then keep their margin however slow the run.
    const timestamp = Date.now() + (sign.skewMs ?? 0);
    const signature = signWebhookV3({ clientSecret: SECRET, method: 'POST', url: sign.url ?? WEBHOOK_URL, body: sign.body ?? body, timestamp });
    return request(app)
      .post(sign.path ?? `${MOUNT}/webhooks`)
      .set('Content-Type', 'application/json')
      .set('X-HubSpot-Signature-v3', signature)
      .set('X-HubSpot-Request-Timestamp', String(timestamp))
      .send(body);
  }

  describe('signature (v3 over the raw body and the configured webhookUrl)', () => {
    let app: ReturnType<RouterHarness['build']>;
    beforeAll(() => {
      app = h.build({ router: { webhookUrl: WEBHOOK_URL } });
    });

    it('accepts a valid delivery, then counts the redelivery as a duplicate', async () => {
      const body = JSON.stringify([event(1)]);
      await deliver(app, body).expect(200, { received: 1, processed: 1, duplicates: 0, purgedRows: 0 });
      await deliver(app, body).expect(200, { received: 1, processed: 0, duplicates: 1, purgedRows: 0 });
      // Same event id inside one batch, plus a new one.
      await deliver(app, JSON.stringify([event(2), event(2), event(1)])).expect(200, { received: 3, processed: 1, duplicates: 2, purgedRows: 0 });
    });

    it('accepts the window in both directions: almost 5 minutes old, and almost 5 minutes ahead (a slow host clock)', async () => {
      await deliver(app, JSON.stringify([event(3)]), { skewMs: -290_000 }).expect(200);
      await deliver(app, JSON.stringify([event(4)]), { skewMs: 120_000 }).expect(200);
      await deliver(app, JSON.stringify([event(9)]), { skewMs: 280_000 }).expect(200);
    });

    it.each([
      ['stale (older than 5 minutes)', { skewMs: -300_001 }, 'stale'],
      ['more than 5 minutes ahead', { skewMs: 330_000 }, 'future'],
      ['over another body (tampered)', { body: JSON.stringify([event(5, { objectId: 999 })]) }, 'mismatch'],
      ['for another URL', { url: 'https://hooks.jobcannon.io/integrations/hubspot/webhooks/' }, 'mismatch'],
      ['for another protocol', { url: WEBHOOK_URL.replace('https:', 'http:') }, 'mismatch'],
    ])('answers 401 to a signature %s', async (_name, sign, reason) => {
      const res = await deliver(app, JSON.stringify([event(5)]), sign).expect(401);
      expect(res.body).toEqual({ error: { code: 'WEBHOOK_SIGNATURE_INVALID', message: `The HubSpot webhook signature was refused (${reason}).` } });
    });

    it('answers 401 without the signature headers, and with another secret', async () => {
      const body = JSON.stringify([event(6)]);
      expect((await request(app).post(`${MOUNT}/webhooks`).set('Content-Type', 'application/json').send(body).expect(401)).body.error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
      const forged = signWebhookV3({ clientSecret: 'not-the-secret', method: 'POST', url: WEBHOOK_URL, body, timestamp: NOW });
      await request(app).post(`${MOUNT}/webhooks`).set('Content-Type', 'application/json').set('X-HubSpot-Signature-V3', forged).set('X-HubSpot-Request-Timestamp', String(NOW)).send(body).expect(401);
      await deliver(app, body).expect(200, { received: 1, processed: 1, duplicates: 0, purgedRows: 0 }); // never recorded by the refused calls
    });

    it('reads the header case-insensitively (HubSpot docs spell it -V3 and -v3)', async () => {
      const body = JSON.stringify([event(7)]);
      const signature = signWebhookV3({ clientSecret: SECRET, method: 'POST', url: WEBHOOK_URL, body, timestamp: NOW });
      await request(app).post(`${MOUNT}/webhooks`).set('Content-Type', 'application/json').set('X-HUBSPOT-SIGNATURE-V3', signature).set('x-hubspot-request-timestamp', String(NOW)).send(body).expect(200);
    });

    it('answers 400 to a signed body that is not a JSON array of events', async () => {
      for (const body of ['{"eventId":1}', 'not json', '', '[1,2]', JSON.stringify([{ eventId: 8, portalId: 1001 }])]) {
        const res = await deliver(app, body).expect(400);
        expect(res.body.error.code).toBe('BAD_REQUEST');
      }
      await deliver(app, '[]').expect(200, { received: 0, processed: 0, duplicates: 0, purgedRows: 0 });
      const missing = await deliver(app, JSON.stringify([event(8, { portalId: undefined })])).expect(400);
      expect(missing.body.error.message).toMatch(/event 0: portalId/);
    });
  });

  describe('URL rebuilt from the request (no webhookUrl option)', () => {
    it('uses the Host header and path as addressed, query included', async () => {
      const app = h.build();
      const body = JSON.stringify([event(20)]);
      const signed = { url: 'http://hooks.example.com/integrations/hubspot/webhooks?source=hubspot', path: `${MOUNT}/webhooks?source=hubspot` };
      await deliver(app, body, signed).set('Host', 'hooks.example.com').expect(200);
      await deliver(app, JSON.stringify([event(21)]), { ...signed, url: signed.url.replace('?source=hubspot', '') }).set('Host', 'hooks.example.com').expect(401);
    });

    it("trusts X-Forwarded-Proto/-Host only under Express's trust proxy", async () => {
      const signed = { url: 'https://public.example.com/integrations/hubspot/webhooks' };
      const forwarded = { Host: 'internal:3000', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'public.example.com' };
      await deliver(h.build({ trustProxy: true }), JSON.stringify([event(22)]), signed).set(forwarded).expect(200);
      await deliver(h.build(), JSON.stringify([event(23)]), signed).set(forwarded).expect(401);
    });
  });

  describe('deliveries from the emulator over real HTTP', () => {
    it('purges the local sync log and queue rows of a contact on contact.privacyDeletion, and dedupes retries', async () => {
      await connectOrg(h.app, 'org-gdpr', 1001);
      await h.integration.enqueue(completedInvite('org-gdpr', 'inv-gone', 'gone@example.com'));
      await h.integration.enqueue(completedInvite('org-gdpr', 'inv-kept', 'kept@example.com'));
      expect(await h.integration.drain({ orgId: 'org-gdpr' })).toMatchObject({ pushed: 2 });
      const gone = h.emulator.contact(1001, 'gone@example.com');
      expect(gone).toBeDefined();
      const logged = await h.integration.syncLog('org-gdpr');
      expect(logged.find((entry) => entry.email === 'gone@example.com')?.hubspotContactId).toBe(gone?.id);
      // A newer snapshot waiting in the queue for the same candidate is personal data too.
      await h.integration.enqueue(completedInvite('org-gdpr', 'inv-gone', 'gone@example.com'));

      const url = `${h.origin}${MOUNT}/webhooks`;
      const privacy = { eventId: 777, occurredAt: Date.now(), subscriptionType: 'contact.privacyDeletion', objectId: Number(gone?.id) };
      const sent = await h.emulator.sendWebhook({ url, hubId: 1001, events: [privacy], signatureVersion: 'v3', retryDelaysMs: [] });
      expect(sent.delivered).toBe(true);
      expect(sent.batches[0]?.attempts.map((attempt) => attempt.status)).toEqual([200]);

      const after = await h.integration.syncLog('org-gdpr');
      expect(after.some((entry) => entry.email === 'gone@example.com' || entry.inviteId === 'inv-gone')).toBe(false);
      expect(after.some((entry) => entry.email === 'kept@example.com')).toBe(true);
      expect((await h.integration.status('org-gdpr')).queue).toEqual({ pending: 0, failed: 0, held: 0 });

      // HubSpot redelivers the same event: recorded once, nothing else happens.
      const again = await h.emulator.sendWebhook({ url, hubId: 1001, events: [privacy], retryDelaysMs: [] });
      expect(again.delivered).toBe(true);
      const response = h.responses.at(-1) ?? '';
      expect(response).toContain('"duplicates":1');
    });

    it('answers non-2xx to a delivery it cannot verify, so HubSpot retries it', async () => {
      // A host that configured the wrong public URL: every attempt is refused, none is recorded.
      h.app.use('/misconfigured', createHubSpotRouter(h.integration, { authorize: testAuthorize, returnTo: '/', logger: h.logger, webhookUrl: 'https://elsewhere.example/hooks' }));
      const sent = await h.emulator.sendWebhook({ url: `${h.origin}/misconfigured/webhooks`, events: [{ eventId: 901, subscriptionType: 'contact.deletion', objectId: 5 }], retryDelaysMs: [5, 5] });
      expect(sent.delivered).toBe(false);
      expect(sent.batches[0]?.attempts.map((attempt) => attempt.status)).toEqual([401, 401, 401]);
    });
  });

  it('answers 413 to a signed delivery with more events than core accepts, recording none', async () => {
    const app = h.build({ router: { webhookUrl: WEBHOOK_URL } });
    const events = Array.from({ length: 1001 }, (_, i) => event(30_000 + i));
    const res = await deliver(app, JSON.stringify(events)).expect(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    await deliver(app, JSON.stringify(events.slice(0, 1))).expect(200, { received: 1, processed: 1, duplicates: 0, purgedRows: 0 });
  });

  it('keeps the client secret off the integration object (the router never needs it)', () => {
    expect(JSON.stringify(h.integration)).not.toContain(SECRET);
    expect(Object.values(h.integration)).not.toContain(SECRET);
  });

  it('never leaks a token, the client secret or a stack trace', () => {
    expectNothingLeaked(h);
  });
});
