import { request } from 'node:http';
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
const UPSERT = '/crm/v3/objects/contacts/batch/upsert';
const upsertBody = { inputs: [{ id: 'ada@example.com', idProperty: 'email', properties: { email: 'ada@example.com' } }] };

/** A raw node:http GET, so socket-level failures show their error code. */
function rawGet(url: string, token: string, timeoutMs = 2000): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const req = request(url, { headers: { Authorization: `Bearer ${token}` }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end();
  });
}

describe('status faults', () => {
  it.each([
    [500, 'INTERNAL_ERROR'],
    [502, 'BAD_GATEWAY'],
    [503, 'SERVICE_UNAVAILABLE'],
    [504, 'GATEWAY_TIMEOUT'],
    [423, 'LOCKED'],
  ] as const)('%i answers a HubSpot error body and keeps the rate headers', async (kind, category) => {
    h.emulator.setFaults([{ route: 'contacts.batchUpsert', kind, times: 1 }]);
    const res = await h.call('POST', UPSERT, { body: upsertBody });
    expect(res.status).toBe(kind);
    expect(res.body).toMatchObject({ status: 'error', category, correlationId: expect.stringMatching(UUID) });
    expect(res.headers.get('x-hubspot-ratelimit-remaining')).toBe('109');
    expect(h.emulator.contacts(1001)).toHaveLength(0); // the faulted request did nothing
    expect((await h.call('POST', UPSERT, { body: upsertBody })).status).toBe(200); // times: 1 is spent
  });

  it('477 sends Retry-After (5 s by default, configurable)', async () => {
    h.emulator.setFaults([{ kind: 477, times: 1 }, { kind: 477, times: 1, retryAfterSeconds: 30 }]);
    const first = await h.call('GET', PATH);
    expect(first.status).toBe(477);
    expect(first.headers.get('retry-after')).toBe('5');
    expect(first.body.category).toBe('MIGRATION_IN_PROGRESS');
    expect((await h.call('GET', PATH)).headers.get('retry-after')).toBe('30');
  });

  it('429 bursts answer the ten-secondly body with Remaining 0', async () => {
    h.emulator.setFaults([{ kind: 429, times: 3 }]);
    const results = [await h.call('GET', PATH), await h.call('GET', PATH), await h.call('GET', PATH), await h.call('GET', PATH)];
    expect(results.map((r) => r.status)).toEqual([429, 429, 429, 200]);
    expect(results[0]?.body).toMatchObject({ message: 'You have reached your ten_secondly_rolling limit.', policyName: 'TEN_SECONDLY_ROLLING', groupName: 'publicapi:oauth-api-calls-ten-secondly:1001' });
    expect(results[0]?.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(results[0]?.headers.get('retry-after')).toBeNull();
  });

  it('"fail the next N" then succeed', async () => {
    h.emulator.addFault({ route: 'properties.read', kind: 503, times: 2 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await h.call('GET', PATH)).status);
    expect(statuses).toEqual([503, 503, 200, 200]);
    expect(h.emulator.faults()).toEqual([]);
  });

  it('a string body is sent as an HTML gateway page', async () => {
    h.emulator.setFaults([{ kind: 502, body: '<html><body>502 Bad Gateway</body></html>' }]);
    const res = await h.call('GET', PATH);
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.text).toContain('502 Bad Gateway');
  });
});

describe('targeting', () => {
  it('per route, route wildcard and per portal', async () => {
    const other = h.emulator.issueTokens({ hubId: 1002 });
    h.emulator.setFaults([{ hubId: 1001, route: 'contacts.*', kind: 500 }]);
    expect((await h.call('POST', UPSERT, { body: upsertBody })).status).toBe(500);
    expect((await h.call('GET', '/crm/v3/objects/contacts/1')).status).toBe(500);
    expect((await h.call('GET', PATH)).status).toBe(200);
    expect((await h.call('POST', UPSERT, { token: other.accessToken, body: upsertBody })).status).toBe(200);
  });

  it('OAuth token calls can be faulted by rules without a portal', async () => {
    h.emulator.setFaults([{ route: 'oauth.token', kind: 503, times: 1 }]);
    const client = { client_id: DEFAULT_APP.clientId, client_secret: DEFAULT_APP.clientSecret, grant_type: 'refresh_token', refresh_token: h.refreshToken };
    expect((await h.form('/oauth/2026-03/token', client)).status).toBe(503);
    expect((await h.form('/oauth/2026-03/token', client)).status).toBe(200);
    h.emulator.setFaults([{ hubId: 1001, kind: 503 }]);
    expect((await h.form('/oauth/2026-03/token', client)).status).toBe(200); // portal rules never touch OAuth
  });

  it('a random fault rate is reproducible with the seed', async () => {
    const run = async (harness: Harness): Promise<number[]> => {
      harness.emulator.setFaults([{ rate: 0.3, kinds: [500, 503, 429] }]);
      const statuses = [];
      for (let i = 0; i < 40; i++) statuses.push((await harness.call('GET', PATH)).status);
      return statuses;
    };
    const first = await run(h);
    const second = await startHarness({ seed: 'test' });
    expect(await run(second)).toEqual(first);
    await second.close();
    const faulted = first.filter((status) => status !== 200);
    expect(faulted.length).toBeGreaterThan(3);
    expect(faulted.length).toBeLessThan(25);
    expect(new Set(faulted).size).toBeGreaterThan(1);
  });
});

describe('socket faults', () => {
  it('adds latency', async () => {
    h.emulator.setFaults([{ route: 'properties.read', latencyMs: 150 }]);
    const started = performance.now();
    const res = await h.call('GET', PATH);
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('reset destroys the connection (ECONNRESET)', async () => {
    h.emulator.setFaults([{ kind: 'reset', times: 1 }]);
    const result = await rawGet(`${h.emulator.url}${PATH}`, h.token);
    expect(result.error).toBe('ECONNRESET');
    expect((await h.call('GET', PATH)).status).toBe(200);
  });

  it('timeout with hangMs hangs, then drops the socket', async () => {
    h.emulator.setFaults([{ kind: 'timeout', hangMs: 100, times: 1 }]);
    const started = performance.now();
    const result = await rawGet(`${h.emulator.url}${PATH}`, h.token);
    expect(result.error).toMatch(/ECONNRESET|socket hang up/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('timeout without hangMs never answers until the client gives up', async () => {
    h.emulator.setFaults([{ kind: 'timeout', times: 1 }]);
    const result = await rawGet(`${h.emulator.url}${PATH}`, h.token, 300);
    expect(result.error).toBe('CLIENT_TIMEOUT');
  });

  it('faulted requests (with and without a response) count in the counters and the log', async () => {
    h.emulator.setFaults([{ kind: 'reset', times: 1 }, { kind: 'timeout', hangMs: 10, times: 1 }, { kind: 503, times: 1 }]);
    await rawGet(`${h.emulator.url}${PATH}`, h.token);
    await rawGet(`${h.emulator.url}${PATH}`, h.token);
    await h.call('GET', PATH);
    await h.call('GET', PATH);
    expect(h.emulator.counters().portals['1001']).toMatchObject({ requests: 4, errors: 3, faults: 3, byStatus: { reset: 1, timeout: 1, '503': 1, '200': 1 } });
    const log = h.emulator.requests({ hubId: 1001 });
    expect(log.map((entry) => [entry.status, entry.outcome, entry.fault])).toEqual([
      [0, 'reset', 'reset'],
      [0, 'timeout', 'timeout'],
      [503, undefined, '503'],
      [200, undefined, undefined],
    ]);
  });
});

describe('fault rules validation', () => {
  it('refuses unknown kinds and rules that do nothing', () => {
    expect(() => h.emulator.setFaults([{ kind: 418 as never }])).toThrow(/unknown fault kind/);
    expect(() => h.emulator.addFault({ route: '*' })).toThrow(/needs a kind/);
    expect(() => h.emulator.addFault({ kind: 500, rate: 2 })).toThrow(/rate/);
  });
});
