import type { IncomingMessage } from 'node:http';
import { signWebhookV3 } from '@jobcannon/hubspot-core';
import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RAW_BODY_MISSING } from './request-body.js';
import { MOUNT, WIDGET_POST, completedInvite, connectOrg, expectNothingLeaked, startRouterHarness, user, type RouterHarness } from './test-support/router-harness.js';

const WEBHOOK_URL = 'https://hooks.jobcannon.io/integrations/hubspot/webhooks';

/** The recipe from the README: keep the bytes a JSON parser read, for the webhook signature. */
const keepRawBody = (req: IncomingMessage, _res: unknown, buf: Buffer) => {
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = buf;
};

const variants: Array<{ name: string; before: RequestHandler[]; webhook: 'ok' | 'raw-body-missing' }> = [
  { name: 'no body parser', before: [], webhook: 'ok' },
  { name: 'express.json()', before: [express.json()], webhook: 'raw-body-missing' },
  { name: 'express.json({ verify }) recipe', before: [express.json({ verify: keepRawBody })], webhook: 'ok' },
  { name: 'express.raw({ type: "*/*" })', before: [express.raw({ type: '*/*' })], webhook: 'ok' },
  { name: 'express.text({ type: "*/*" })', before: [express.text({ type: '*/*' })], webhook: 'raw-body-missing' },
  { name: 'express.urlencoded() (does not match JSON)', before: [express.urlencoded({ extended: false })], webhook: 'ok' },
];

describe('whatever body parser the host mounted first', () => {
  let h: RouterHarness;
  beforeAll(async () => {
    h = await startRouterHarness();
    await connectOrg(h.app, 'org-body', 1001);
    await h.integration.enqueue(completedInvite('org-body', 'inv-bad', 'bad@example.con'));
    await h.integration.drain({ orgId: 'org-body' });
    expect((await h.integration.failures('org-body')).total).toBe(1);
  });
  afterAll(async () => {
    await h?.close();
  });

  let eventId = 100;
  describe.each(variants)('$name', ({ before, webhook }) => {
    const app = () => h.build({ before, router: { webhookUrl: WEBHOOK_URL } });

    it('reads the JSON body of POST /failures/retry', async () => {
      // An id that matches nothing: a body the router failed to read would mean "retry all" (1).
      await request(app()).post(`${MOUNT}/failures/retry`).set(user('org-body')).set(WIDGET_POST).send({ ids: ['999999'] }).expect(200, { retried: 0 });
      await request(app()).post(`${MOUNT}/failures/retry`).set(user('org-body')).set(WIDGET_POST).send('{"ids":').expect(400);
      expect((await h.integration.failures('org-body')).total).toBe(1);
      await request(app()).post(`${MOUNT}/resync`).set(user('org-body')).set(WIDGET_POST).send({}).expect(200);
    });

    it(webhook === 'ok' ? 'verifies webhooks over the raw bytes' : 'answers 500 INTERNAL telling the host how to keep the raw body', async () => {
      // Spacing JSON.stringify would not reproduce: a re-serialised body fails the signature.
      const body = `[ {"eventId": ${++eventId}, "portalId": 1001, "occurredAt": ${Date.now()}, "subscriptionType": "contact.deletion", "objectId": 1} ]`;
      const timestamp = Date.now();
      const res = await request(app())
        .post(`${MOUNT}/webhooks`)
        .set('Content-Type', 'application/json')
        .set('X-HubSpot-Signature-v3', signWebhookV3({ clientSecret: 'jc-demo-secret', method: 'POST', url: WEBHOOK_URL, body, timestamp }))
        .set('X-HubSpot-Request-Timestamp', String(timestamp))
        .send(body);
      if (webhook === 'ok') {
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ received: 1, processed: 1, duplicates: 0, purgedRows: 0 });
      } else {
        expect(res.status).toBe(500);
        expect(res.body).toEqual({ error: { code: 'INTERNAL', message: RAW_BODY_MISSING } });
      }
    });
  });

  it('refuses a body larger than maxBodyBytes with 413', async () => {
    const app = h.build({ router: { webhookUrl: WEBHOOK_URL, maxBodyBytes: 64 } });
    const res = await request(app).post(`${MOUNT}/webhooks`).set('Content-Type', 'application/json').send(`[${'1,'.repeat(100)}1]`).expect(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('never leaks a token, the client secret or a stack trace', () => {
    expectNothingLeaked(h);
  });
});
