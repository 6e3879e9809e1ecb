import { Signature } from '@hubspot/api-client';
import { signWebhookV3 } from '@jobcannon/hubspot-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOUNT, startRouterHarness, type RouterHarness } from './test-support/router-harness.js';

// hubspot-api.md §11: HubSpot's docs decode 12 escapes in the URI before signing, its own clients
// decode nothing. Every delivery below is signed one way or the other and must verify end to end
// (Express router → core's handleWebhook → PostgreSQL), whether the router knows its public URL
// (`webhookUrl`) or rebuilds it from the request.

const SECRET = 'jc-demo-secret';

/** What follows `/webhooks` in the URL HubSpot was configured with. */
const SUFFIXES = [
  '',
  '/',
  '?source=hubspot',
  '/?source=hubspot&v=2',
  '?target=https%3A%2F%2Fapp.example.com%2Fcb&by=ops%40example.com',
  '?q=a%20b%2Cc%3Bd%21e%24f%27g%28h%29i%2Aj%3Fk',
  '?lower=%3a%2f%40',
  '?kept=%5F%25%2B%C3%A9',
  '/?next=%2Fsettings%3Ftab%3Dhubspot',
];

const BODIES: Array<[string, (eventId: number) => string]> = [
  ['ascii', (eventId) => JSON.stringify([{ eventId, portalId: 1001, occurredAt: Date.now(), subscriptionType: 'contact.creation', objectId: 1 }])],
  [
    'unicode',
    (eventId) =>
      JSON.stringify([{ eventId, portalId: 1001, occurredAt: Date.now(), subscriptionType: 'contact.propertyChange', objectId: 2, propertyName: 'firstname', propertyValue: 'Zoë Ångström 日本語 🎉' }]),
  ],
  ['escaped and spaced', (eventId) => `[ { "eventId": ${eventId}, "portalId": 1001, "occurredAt": ${Date.now()}, "subscriptionType": "contact.creation", "objectId": 3, "note": "caf\\u00e9 \\ud83d\\ude00" } ]`],
];

type Signer = (input: { url: string; body: string; timestamp: number }) => string;
const SIGNERS: Array<[string, Signer]> = [
  // The official client's own function, byte for byte what HubSpot's SDK users compute.
  ['@hubspot/api-client Signature.getSignature', ({ url, body, timestamp }) => Signature.getSignature('POST', 'v3', { clientSecret: SECRET, url, requestBody: body, timestamp, signature: '' })],
  ["the docs' decoded form", ({ url, body, timestamp }) => signWebhookV3({ clientSecret: SECRET, method: 'POST', url, body, timestamp })],
];

const cases = SUFFIXES.flatMap((suffix) => BODIES.flatMap(([bodyName, body]) => SIGNERS.map(([signerName, sign]) => ({ suffix, bodyName, body, signerName, sign }))));

describe('webhook v3 signature matrix, end to end through the router', () => {
  let h: RouterHarness;
  let eventId = 50_000;
  beforeAll(async () => {
    h = await startRouterHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  function post(app: Parameters<typeof request>[0], path: string, body: string, signature: string, timestamp: number, host?: string) {
    const req = request(app).post(path).set('Content-Type', 'application/json').set('X-HubSpot-Signature-v3', signature).set('X-HubSpot-Request-Timestamp', String(timestamp));
    return (host ? req.set('Host', host) : req).send(body);
  }

  it.each(cases)('webhookUrl configured: $signerName, $bodyName body, "/webhooks$suffix"', async ({ suffix, body, sign }) => {
    const url = `https://hooks.jobcannon.io${MOUNT}/webhooks${suffix}`;
    const app = h.build({ router: { webhookUrl: url } });
    const text = body(++eventId);
    const timestamp = Date.now();
    const res = await post(app, `${MOUNT}/webhooks${suffix}`, text, sign({ url, body: text, timestamp }), timestamp);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ received: 1, processed: 1, duplicates: 0, purgedRows: 0 });
  });

  it.each(cases)('URL rebuilt from the request: $signerName, $bodyName body, "/webhooks$suffix"', async ({ suffix, body, sign }) => {
    const url = `http://hooks.example.com${MOUNT}/webhooks${suffix}`;
    const text = body(++eventId);
    const timestamp = Date.now();
    const res = await post(h.build(), `${MOUNT}/webhooks${suffix}`, text, sign({ url, body: text, timestamp }), timestamp, 'hooks.example.com');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ processed: 1 });
  });

  it.each(SIGNERS)('still refuses %s over another URL, body or secret', async (_name, sign) => {
    const suffix = '?target=https%3A%2F%2Fapp.example.com%2Fcb&q=a%20b';
    const url = `https://hooks.jobcannon.io${MOUNT}/webhooks${suffix}`;
    const app = h.build({ router: { webhookUrl: url } });
    const text = BODIES[0]?.[1](++eventId) ?? '';
    const timestamp = Date.now();
    const refused = [
      // A fully decoded URI (decodeURIComponent) is neither reading.
      sign({ url: decodeURIComponent(url), body: text, timestamp }),
      sign({ url: `${url}/`, body: text, timestamp }),
      sign({ url, body: `${text} `, timestamp }),
      Signature.getSignature('POST', 'v3', { clientSecret: 'another-secret', url, requestBody: text, timestamp, signature: '' }),
    ];
    for (const signature of refused) {
      const res = await post(app, `${MOUNT}/webhooks${suffix}`, text, signature, timestamp);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    }
    await post(app, `${MOUNT}/webhooks${suffix}`, text, sign({ url, body: text, timestamp }), timestamp).expect(200);
  });
});
