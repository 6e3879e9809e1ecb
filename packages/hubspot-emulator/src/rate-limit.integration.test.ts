import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_APP } from './defaults.js';
import { UUID, startHarness, type Harness } from './test-support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const PATH = '/crm/v3/properties/contacts/email';
const burst = async (count: number, token?: string) => {
  const results = [];
  for (let i = 0; i < count; i++) results.push(await h.call('GET', PATH, token === undefined ? {} : { token }));
  return results;
};

describe('ten-secondly rolling limit', () => {
  it('allows 110 per 10 s, then 429 with the exact body and headers, no Retry-After', async () => {
    const ok = await burst(110);
    expect(ok.every((r) => r.status === 200)).toBe(true);
    expect(ok.map((r) => r.headers.get('x-hubspot-ratelimit-remaining')).slice(0, 3)).toEqual(['109', '108', '107']);
    expect(ok[109]?.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(ok[0]?.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    expect(ok[0]?.headers.get('x-hubspot-ratelimit-max')).toBe('110');
    expect(ok[0]?.headers.get('x-hubspot-ratelimit-daily')).toBeNull(); // not sent for OAuth tokens

    const limited = await h.call('GET', PATH);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      correlationId: expect.stringMatching(UUID),
      policyName: 'TEN_SECONDLY_ROLLING',
      groupName: 'publicapi:oauth-api-calls-ten-secondly:1001',
    });
    expect(Object.keys(limited.body)).toEqual(['status', 'message', 'errorType', 'correlationId', 'policyName', 'groupName']);
    expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-hubspot-ratelimit-max')).toBe('110');
    expect(limited.headers.get('retry-after')).toBeNull();
  });

  it('is a rolling window, not a fixed bucket', async () => {
    await burst(60);
    h.clock.advance(5000);
    await burst(50);
    expect((await h.call('GET', PATH)).status).toBe(429);
    h.clock.advance(5000); // the first 60 leave the window exactly 10 s after they were made
    const next = await burst(60);
    expect(next.every((r) => r.status === 200)).toBe(true);
    expect((await h.call('GET', PATH)).status).toBe(429);
  });

  it('refused requests do not use up the window', async () => {
    await burst(110);
    await burst(20);
    h.clock.advance(10_000);
    expect((await burst(110)).every((r) => r.status === 200)).toBe(true);
  });

  it('is per (portal, app): another portal has its own budget', async () => {
    await burst(110);
    const other = h.emulator.issueTokens({ hubId: 1002 });
    const res = await h.call('GET', PATH, { token: other.accessToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-hubspot-ratelimit-remaining')).toBe('109');
  });

  it('carries the headers on error responses too (and counts them)', async () => {
    const missing = await h.call('GET', '/crm/v3/properties/contacts/nope');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-hubspot-ratelimit-remaining')).toBe('109');
    const badJson = await h.call('POST', '/crm/v3/properties/contacts', { raw: '{' });
    expect(badJson.status).toBe(400);
    expect(badJson.headers.get('x-hubspot-ratelimit-remaining')).toBe('108');
  });

  it('does not limit OAuth token calls or the control API', async () => {
    const client = { client_id: DEFAULT_APP.clientId, client_secret: DEFAULT_APP.clientSecret };
    for (let i = 0; i < 115; i++) {
      const res = await h.form('/oauth/2026-03/token', { grant_type: 'refresh_token', ...client, refresh_token: h.refreshToken });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-hubspot-ratelimit-max')).toBeNull();
    }
    for (let i = 0; i < 115; i++) expect((await h.call('GET', '/_emulator/counters', { token: null })).status).toBe(200);
    expect((await h.call('GET', PATH)).headers.get('x-hubspot-ratelimit-remaining')).toBe('109');
  });

  it('profiles, per-portal overrides, live changes and an optional Retry-After', async () => {
    await h.close();
    h = await startHarness({ rateLimit: { profile: 'professional', retryAfter: true }, portals: [{ hubId: 1001 }, { hubId: 1002, rateLimit: { profile: 'free' } }] });
    expect((await h.call('GET', PATH)).headers.get('x-hubspot-ratelimit-max')).toBe('190');
    const other = h.emulator.issueTokens({ hubId: 1002 });
    expect((await h.call('GET', PATH, { token: other.accessToken })).headers.get('x-hubspot-ratelimit-max')).toBe('100');
    await burst(189);
    h.clock.advance(2500);
    const limited = await h.call('GET', PATH);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('8'); // the oldest request leaves the window in 7.5 s
    h.emulator.setRateLimit({ max: 150 });
    h.clock.advance(10_000);
    expect((await h.call('GET', PATH)).headers.get('x-hubspot-ratelimit-max')).toBe('150');
  });

  it('reset() undoes live rate-limit changes', async () => {
    h.emulator.setRateLimit({ max: 5 });
    h.emulator.setRateLimit({ max: 7 }, 1002);
    expect((await h.call('GET', PATH)).headers.get('x-hubspot-ratelimit-max')).toBe('5');
    h.emulator.reset({ keepInstalls: true });
    expect((await h.call('GET', PATH)).headers.get('x-hubspot-ratelimit-max')).toBe('110');
    const other = h.emulator.issueTokens({ hubId: 1002 });
    expect((await h.call('GET', PATH, { token: other.accessToken })).headers.get('x-hubspot-ratelimit-max')).toBe('110');
  });

  it('optional secondly limit answers the SECONDLY body', async () => {
    await h.close();
    h = await startHarness({ rateLimit: { secondly: 10 } });
    const ok = await burst(10);
    expect(ok[9]?.headers.get('x-hubspot-ratelimit-secondly')).toBe('10');
    expect(ok[9]?.headers.get('x-hubspot-ratelimit-secondly-remaining')).toBe('0');
    const limited = await h.call('GET', PATH);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', policyName: 'SECONDLY' });
    expect(limited.body.requestId).toMatch(UUID);
    h.clock.advance(1000);
    expect((await h.call('GET', PATH)).status).toBe(200);
  });

  it('can be switched off', async () => {
    await h.close();
    h = await startHarness({ rateLimit: { enabled: false } });
    const results = await burst(120);
    expect(results.every((r) => r.status === 200 && r.headers.get('x-hubspot-ratelimit-max') === null)).toBe(true);
  });
});

describe('search limit', () => {
  it('5 requests per second per portal, separate from the 10 s window, without rate headers', async () => {
    const search = () => h.call('POST', '/crm/v3/objects/contacts/search', { body: { filterGroups: [] } });
    for (let i = 0; i < 5; i++) expect((await search()).status).toBe(200);
    const limited = await search();
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ message: 'You have reached your secondly limit.', policyName: 'SECONDLY', errorType: 'RATE_LIMIT' });
    expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBeNull();
    // the 10 s budget was not touched by searches
    expect((await h.call('GET', PATH)).headers.get('x-hubspot-ratelimit-remaining')).toBe('109');
    h.clock.advance(1000);
    expect((await search()).status).toBe(200);
  });
});

describe('counters', () => {
  it('count requests, errors, 429s and routes per portal, with the error ratio', async () => {
    await burst(110);
    await h.call('GET', PATH); // 429
    await h.call('GET', PATH, { token: 'garbage' }); // 401, unattributed
    h.clock.advance(10_000);
    await h.call('GET', '/crm/v3/properties/contacts/nope'); // 404
    const counters = h.emulator.counters();
    expect(counters.portals['1001']).toMatchObject({ hubId: 1001, requests: 112, errors: 2, rateLimited: 1, faults: 0, byStatus: { '200': 110, '429': 1, '404': 1 } });
    expect(counters.portals['1001']?.errorRatio).toBeCloseTo(2 / 112);
    expect(counters.portals['1001']?.byRoute['properties.read']).toMatchObject({ requests: 112, errors: 2 });
    expect(counters.totals).toMatchObject({ requests: 113, errors: 3, rateLimited: 1 });
    expect(counters.totals.byStatus['401']).toBe(1);
  });
});
