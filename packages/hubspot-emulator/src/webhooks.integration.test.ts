import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_APP } from './defaults.js';
import { startHarness, type Harness } from './test-support/harness.js';
import { signWebhookV1, verifyWebhookV3 } from './webhooks.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  url: string;
}

let h: Harness;
let receiver: Server;
let receiverUrl: string;
let received: Received[];
/** Status codes the receiver answers, in order; 200 after they run out. */
let answers: number[];

beforeEach(async () => {
  h = await startHarness();
  received = [];
  answers = [];
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body, url: req.url ?? '' });
      res.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hubspot/webhooks?source=emulator`;
});
afterEach(async () => {
  await h.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

describe('sendWebhook', () => {
  it('POSTs a JSON array signed v3 and v1 with the app secret', async () => {
    await h.call('POST', '/crm/v3/objects/contacts/batch/upsert', { body: { inputs: [{ id: 'ada@example.com', idProperty: 'email', properties: {} }] } });
    const event = h.emulator.contactEvent(1001, 'ada@example.com', 'contact.deletion');
    const result = await h.emulator.sendWebhook({ url: receiverUrl, events: [event] });
    expect(result.delivered).toBe(true);
    expect(received).toHaveLength(1);
    const [request] = received;
    if (!request) throw new Error('nothing received');
    expect(request.url).toBe('/hubspot/webhooks?source=emulator');
    const events = JSON.parse(request.body);
    expect(events).toEqual([expect.objectContaining({ subscriptionType: 'contact.deletion', objectId: 101, portalId: 1001, appId: DEFAULT_APP.appId, attemptNumber: 0, changeFlag: 'DELETED' })]);
    const timestamp = Number(request.headers['x-hubspot-request-timestamp']);
    expect(timestamp).toBe(h.clock.now());
    expect(
      verifyWebhookV3({ clientSecret: DEFAULT_APP.clientSecret, method: 'POST', uri: receiverUrl, body: request.body, timestamp, signature: String(request.headers['x-hubspot-signature-v3']), now: h.clock.now() }),
    ).toEqual({ ok: true });
    expect(request.headers['x-hubspot-signature-version']).toBe('v1');
    expect(request.headers['x-hubspot-signature']).toBe(signWebhookV1({ clientSecret: DEFAULT_APP.clientSecret, body: request.body }));
  });

  it('retries non-2xx answers with a fresh timestamp and attemptNumber, and gives up after the configured retries', async () => {
    answers = [500, 503];
    const result = await h.emulator.sendWebhook({ url: receiverUrl, events: [{ subscriptionType: 'contact.privacyDeletion', objectId: 7 }], retryDelaysMs: [5, 5, 5] });
    expect(result.delivered).toBe(true);
    expect(result.batches[0]?.attempts.map((a) => a.status)).toEqual([500, 503, 200]);
    expect(received.map((r) => JSON.parse(r.body)[0].attemptNumber)).toEqual([0, 1, 2]);
    // each attempt is signed for its own body
    for (const request of received) {
      expect(verifyWebhookV3({ clientSecret: DEFAULT_APP.clientSecret, uri: receiverUrl, body: request.body, timestamp: String(request.headers['x-hubspot-request-timestamp']), signature: String(request.headers['x-hubspot-signature-v3']), now: h.clock.now() }).ok).toBe(true);
    }
    received = [];
    answers = [500, 500, 500];
    const failed = await h.emulator.sendWebhook({ url: receiverUrl, events: [{ subscriptionType: 'contact.deletion', objectId: 7 }], retryDelaysMs: [1, 1] });
    expect(failed.delivered).toBe(false);
    expect(received).toHaveLength(3);
  });

  it('splits more than 100 events into arrays of at most 100', async () => {
    const events = Array.from({ length: 250 }, (_, i) => ({ subscriptionType: 'contact.deletion', objectId: i + 1 }));
    const result = await h.emulator.sendWebhook({ url: receiverUrl, events });
    expect(result.batches.map((b) => b.eventIds.length)).toEqual([100, 100, 50]);
    expect(received.map((r) => JSON.parse(r.body).length)).toEqual([100, 100, 50]);
  });

  it('is reachable through the control API', async () => {
    const res = await h.call('POST', '/_emulator/webhooks/send', { token: null, body: { url: receiverUrl, events: [{ subscriptionType: 'contact.deletion', objectId: 5 }], signatureVersion: 'v3' } });
    expect(res.status).toBe(200);
    expect(res.body.delivered).toBe(true);
    expect(received[0]?.headers['x-hubspot-signature-version']).toBe('v3');
  });
});
