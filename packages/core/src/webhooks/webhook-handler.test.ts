import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../ports/ports.js';
import { createWebhookHandler } from './webhook-handler.js';
import { signWebhookV3 } from './webhook-signature.js';

const SECRET = 'handler-test-secret';
const URL = 'https://host.example/api/hubspot/webhooks';
const NOW = 1_800_000_000_000;

/** Refusals must be decided before any database work: this db fails the test if touched. */
const untouchableDb = new Proxy({}, { get: (_target, key) => { throw new Error(`the database was used (${String(key)})`); } }) as unknown as Knex;

function recordingLogger(): Logger & { lines: Array<[string, string, unknown]> } {
  const lines: Array<[string, string, unknown]> = [];
  const log = (level: string) => (message: string, fields?: unknown) => void lines.push([level, message, fields]);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

function signed(body: string, overrides: { method?: string; headers?: Record<string, string> } = {}) {
  const timestamp = String(NOW);
  return {
    method: overrides.method ?? 'POST',
    url: URL,
    rawBody: body,
    headers: {
      'x-hubspot-signature-v3': signWebhookV3({ clientSecret: SECRET, method: 'POST', url: URL, body, timestamp }),
      'x-hubspot-request-timestamp': timestamp,
      ...overrides.headers,
    },
  };
}

const event = (n: number) => ({ eventId: n, portalId: 77, occurredAt: NOW - n, subscriptionType: 'contact.deletion', objectId: 500 + n });

describe('webhook handler refusals (no database work)', () => {
  const logger = recordingLogger();
  const handler = createWebhookHandler({ db: untouchableDb, clientSecret: SECRET, clock: { now: () => NOW }, logger, maxEventsPerDelivery: 3 });

  it('answers 405 with Allow: POST to any other method', async () => {
    for (const method of ['GET', 'PUT', 'delete']) {
      expect(await handler.handle({ ...signed('[]'), method })).toEqual({
        status: 405,
        headers: { Allow: 'POST' },
        body: { error: { code: 'METHOD_NOT_ALLOWED', message: expect.stringContaining(method) as string } },
      });
    }
  });

  it('answers 401 to a missing, forged or stale signature, and logs it as a warning', async () => {
    const body = JSON.stringify([event(1)]);
    const cases: Array<{ headers: Record<string, string>; reason: string }> = [
      { headers: { 'x-hubspot-signature-v3': '' }, reason: 'missing_signature' },
      { headers: { 'x-hubspot-request-timestamp': '' }, reason: 'missing_timestamp' },
      { headers: { 'x-hubspot-signature-v3': signWebhookV3({ clientSecret: 'other', method: 'POST', url: URL, body, timestamp: NOW }) }, reason: 'mismatch' },
      { headers: { 'x-hubspot-request-timestamp': String(NOW - 300_001) }, reason: 'stale' },
    ];
    for (const { headers, reason } of cases) {
      const response = await handler.handle(signed(body, { headers }));
      expect(response).toMatchObject({ status: 401, body: { error: { code: 'WEBHOOK_SIGNATURE_INVALID', message: expect.stringContaining(reason) as string } } });
    }
    expect(logger.lines.filter(([level]) => level === 'warn')).toHaveLength(cases.length);
  });

  it('answers 401 to a valid signature over a different body (the signature covers the raw bytes)', async () => {
    const request = signed(JSON.stringify([event(1)]));
    expect((await handler.handle({ ...request, rawBody: JSON.stringify([event(2)]) })).status).toBe(401);
  });

  it('answers 400 with a specific reason to bodies that are not an array of events', async () => {
    const cases: Array<[string, RegExp]> = [
      ['not json', /not valid JSON/],
      ['{"eventId":1}', /JSON array/],
      [JSON.stringify([event(1), { ...event(2), portalId: 'seventy' }]), /event 1: portalId/],
      [JSON.stringify([{ ...event(1), subscriptionType: undefined }]), /event 0: subscriptionType/],
      [JSON.stringify([42]), /event 0/],
    ];
    for (const [body, message] of cases) {
      const response = await handler.handle(signed(body));
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: { code: 'BAD_REQUEST', message: expect.stringMatching(message) as string } });
    }
  });

  it('answers 413 to more events than the cap', async () => {
    const response = await handler.handle(signed(JSON.stringify([1, 2, 3, 4].map(event))));
    expect(response).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('at most 3') as string } } });
  });

  it('reads headers in any casing and accepts bytes as well as text', async () => {
    const request = signed('not json');
    const headers = { 'X-HubSpot-Signature-V3': request.headers['x-hubspot-signature-v3'], 'X-HUBSPOT-REQUEST-TIMESTAMP': [request.headers['x-hubspot-request-timestamp']] };
    // 400 (not 401): the signature was found and verified, then the body was refused.
    expect((await handler.handle({ ...request, headers, rawBody: new TextEncoder().encode('not json') })).status).toBe(400);
  });
});

describe('webhook handler failures', () => {
  it('answers 500 with a generic message when the database fails, logging the cause server-side only', async () => {
    const logger = recordingLogger();
    const db = { transaction: () => Promise.reject(new Error('connection to postgres://u:pw@db failed')) } as unknown as Knex;
    const handler = createWebhookHandler({ db, clientSecret: SECRET, clock: { now: () => NOW }, logger });
    const response = await handler.handle(signed(JSON.stringify([event(1)])));
    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ error: { code: 'INTERNAL' } });
    expect(JSON.stringify(response)).not.toContain('postgres://');
    expect(logger.lines.some(([level, , fields]) => level === 'error' && JSON.stringify(fields).includes('postgres://'))).toBe(true);
  });

  it('keeps the secret out of the object it returns', () => {
    const handler = createWebhookHandler({ db: untouchableDb, clientSecret: SECRET, clock: { now: () => NOW }, logger: recordingLogger() });
    expect(JSON.stringify(handler)).not.toContain(SECRET);
    expect(Object.values(handler)).not.toContain(SECRET);
  });
});
