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

  it('sends contact.privacyDeletion without changeSource/changeFlag, followed by its companion contact.deletion', async () => {
    const result = await h.emulator.sendWebhook({ url: receiverUrl, events: [{ eventId: 500, subscriptionType: 'contact.privacyDeletion', objectId: 42, occurredAt: 1_700_000_000_000 }] });
    expect(result.delivered).toBe(true);
    const events = JSON.parse(received[0]?.body ?? '[]');
    expect(events).toHaveLength(2);
    const [privacy, deletion] = events;
    expect(Object.keys(privacy).sort()).toEqual(['appId', 'attemptNumber', 'eventId', 'objectId', 'occurredAt', 'portalId', 'subscriptionId', 'subscriptionType']);
    expect(privacy).toMatchObject({ eventId: 500, subscriptionType: 'contact.privacyDeletion', objectId: 42, portalId: 1001 });
    expect(deletion).toMatchObject({ subscriptionType: 'contact.deletion', objectId: 42, portalId: 1001, appId: DEFAULT_APP.appId, occurredAt: 1_700_000_000_000, changeSource: 'CRM' });
    expect(deletion.eventId).not.toBe(500);
    expect(result.batches[0]?.eventIds).toEqual([500, deletion.eventId]);
  });

  it('adds no second contact.deletion when the caller sends one, or when companionDeletion is false', async () => {
    await h.emulator.sendWebhook({ url: receiverUrl, events: [{ subscriptionType: 'contact.privacyDeletion', objectId: 42 }, { subscriptionType: 'contact.deletion', objectId: 42 }] });
    await h.emulator.sendWebhook({ url: receiverUrl, events: [{ subscriptionType: 'contact.privacyDeletion', objectId: 43 }], companionDeletion: false });
    expect(received.map((r) => JSON.parse(r.body).map((e: { subscriptionType: string }) => e.subscriptionType))).toEqual([
      ['contact.privacyDeletion', 'contact.deletion'],
      ['contact.privacyDeletion'],
    ]);
  });

  it('contactEvent builds a privacy deletion with the common fields only', async () => {
    await h.call('POST', '/crm/v3/objects/contacts/batch/upsert', { body: { inputs: [{ id: 'ada@example.com', idProperty: 'email', properties: {} }] } });
    const privacy = h.emulator.contactEvent(1001, 'ada@example.com', 'contact.privacyDeletion');
    expect(privacy.changeSource).toBeUndefined();
    expect(privacy.changeFlag).toBeUndefined();
    expect(h.emulator.contactEvent(1001, 'ada@example.com', 'contact.deletion')).toMatchObject({ changeSource: 'CRM', changeFlag: 'DELETED' });
  });

  it('generic object.* events carry objectTypeId (0-1 unless the caller names another type)', async () => {
    await h.emulator.sendWebhook({
      url: receiverUrl,
      events: [
        { subscriptionType: 'object.deletion', objectId: 9 },
        { subscriptionType: 'object.deletion', objectId: 10, objectTypeId: '0-2' },
        { subscriptionType: 'contact.deletion', objectId: 11 },
      ],
    });
    const events = JSON.parse(received[0]?.body ?? '[]');
    expect(events.map((e: { objectTypeId?: string }) => e.objectTypeId)).toEqual(['0-1', '0-2', undefined]);
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
