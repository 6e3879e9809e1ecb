import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HubSpotKitError, type HubSpotIntegration, type Logger } from '@jobcannon/hubspot-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHubSpotNodeHandler, type HubSpotNodeHandlerOptions } from './node-handler.js';

// The framework-neutral layer on a plain node:http server, over a stand-in integration: what the
// router itself decides (routing, methods, who may act, CSRF, the error mapping, what reaches
// core) without PostgreSQL or HubSpot. The Express suites run the same layer against the real thing.

const MOUNT = '/integrations/hubspot';
type WebhookRequest = Parameters<HubSpotIntegration['handleWebhook']>[0];
/** The router's JSON answers, loosely: errors, or the fields a test reads. */
interface Answer {
  error: { code: string; message: string };
  items: unknown[];
  [field: string]: unknown;
}
const json = async (res: Response): Promise<Answer> => (await res.json()) as Answer;

const WIDGET = { 'Content-Type': 'application/json', 'X-Requested-With': 'jobcannon-hubspot-widget' };

interface Recorded {
  calls: Array<[string, ...unknown[]]>;
  webhooks: Array<WebhookRequest & { rawText: string }>;
}

function fakeIntegration(recorded: Recorded): HubSpotIntegration {
  const record = (name: string, ...args: unknown[]) => void recorded.calls.push([name, ...args]);
  const fake: Partial<HubSpotIntegration> = {
    completeOAuth: async (input) => {
      record('completeOAuth', input);
      if (input.state === 'bad') throw new HubSpotKitError('OAUTH_STATE_INVALID', 'unknown state');
      if (input.error) throw new HubSpotKitError('OAUTH_DENIED', 'denied', { details: { orgId: 'org-a' } });
      if (input.state === 'shared') throw new HubSpotKitError('PORTAL_SHARED', 'shared', { details: { orgId: 'org-a', portalId: 1002, portalDomain: 'Globex-Demo.hubspot.com', sharedWith: 1 } });
      if (input.state === 'in-use') throw new HubSpotKitError('PORTAL_IN_USE', 'in use', { details: { portalId: 1002, portalDomain: 'globex-demo.hubspot.com', sharedWith: 2 } });
      // Whatever core put in details, only a number, a count and a strict host name reach the URL.
      if (input.state === 'mismatch') {
        throw new HubSpotKitError('PORTAL_MISMATCH', 'mismatch', {
          details: { previousPortalId: 1001, previousPortalDomain: 'acme.hubspot.com', portalId: '1002<script>', portalDomain: 'evil.example/<b>phish</b>', sharedWith: -1 },
        });
      }
      return {} as never;
    },
    connectUrl: async (options) => {
      record('connectUrl', options);
      return 'https://app.hubspot.example/oauth/authorize?state=s1';
    },
    status: async (orgId, viewer) => {
      record('status', orgId, viewer);
      if (orgId === 'org-new') return { status: 'not_connected' } as never;
      if (orgId === 'org-broken') throw new Error('SELECT * FROM secrets WHERE password = hunter2');
      // What pg said about a 70,000-id retry: the whole statement, 1 MB of it.
      if (orgId === 'org-huge') throw new Error(`bind message has 70001 parameter formats: UPDATE hubspot_outbox SET … WHERE id IN (${'$1, '.repeat(250_000)})`);
      // Core's shapes pass through untouched (LastError is {code, details, retryable, at}).
      return { status: 'connected', lastError: { code: 'HUBSPOT_RATE_LIMITED', details: { status: 429 }, retryable: true, at: '2026-01-01T00:00:00.000Z' } } as never;
    },
    resync: async (orgId) => {
      record('resync', orgId);
      throw new HubSpotKitError('NOT_CONNECTED', 'Connect HubSpot first.');
    },
    disconnect: async (orgId) => void record('disconnect', orgId),
    failures: async (orgId, page) => {
      record('failures', orgId, page);
      return { items: [{ id: '7', inviteId: 'inv', email: 'a@x.io', code: 'HUBSPOT_INVALID_EMAIL', details: { email: 'a@x.io' }, retryable: false, attempts: 1, failedAt: 't' }], total: 1, nextCursor: null };
    },
    dismissFailures: async (orgId, ids) => {
      record('dismissFailures', orgId, ids);
      return { dismissed: ids.length };
    },
    syncNow: async (orgId) => {
      record('syncNow', orgId);
      return { pending: 3 };
    },
    startBackfill: async (orgId) => {
      record('startBackfill', orgId);
      return { state: 'running', total: 4213, enqueued: 0, pushed: 0, failed: 0, pending: 0, ratePerSecond: null, etaAt: null, startedAt: 't', finishedAt: null };
    },
    cancelBackfill: async (orgId) => {
      record('cancelBackfill', orgId);
      return { state: 'cancelled', total: 4213, enqueued: 500, pushed: 400, failed: 0, pending: 100, ratePerSecond: null, etaAt: null, startedAt: 't', finishedAt: 't' };
    },
    retryFailed: async (orgId, ids) => {
      record('retryFailed', orgId, ids);
      return { retried: ids?.length ?? 99 };
    },
    handleWebhook: async (request) => {
      recorded.webhooks.push({ ...request, rawText: Buffer.from(request.rawBody).toString('utf8') });
      return { status: 200, headers: { 'X-Core': 'yes' }, body: { received: 1, processed: 1, duplicates: 0, purgedRows: 0 } };
    },
  };
  return fake as HubSpotIntegration;
}

function authorize(req: IncomingMessage) {
  const value = req.headers['x-test-user'];
  if (typeof value !== 'string') return null;
  const [orgId = '', userId = '', role = ''] = value.split('/');
  return { orgId, userId, role };
}

const admin = (orgId = 'org-a') => ({ 'x-test-user': `${orgId}/u1/admin` });
const member = (orgId = 'org-a') => ({ 'x-test-user': `${orgId}/u2/member` });

describe('the framework-neutral layer on plain node:http', () => {
  const recorded: Recorded = { calls: [], webhooks: [] };
  const errors: string[] = [];
  const logger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (message, fields) => errors.push(`${message} ${JSON.stringify(fields)}`) };
  const hostRequests: unknown[] = [];
  let server: Server;
  let base: string;
  let options: Partial<HubSpotNodeHandlerOptions> = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      // Built per request so a test can change the options; a host builds it once.
      const handler = createHubSpotNodeHandler(fakeIntegration(recorded), {
        authorize: (hostReq) => {
          hostRequests.push(hostReq);
          return authorize(hostReq);
        },
        returnTo: '/settings',
        logger,
        mountPath: MOUNT,
        ...options,
      });
      void handler(req, res).then((handled) => {
        if (!handled) {
          res.statusCode = 418;
          res.end('host');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    recorded.calls.length = 0;
    recorded.webhooks.length = 0;
    options = {};
  });

  const call = (path: string, init: RequestInit = {}) => fetch(`${base}${MOUNT}${path}`, { redirect: 'manual', ...init });

  it('serves core’s JSON as it is, no-store, and hands authorize the host’s own request object', async () => {
    const res = await call('/status?orgId=org-b', { headers: member() });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await json(res)).toEqual({ status: 'connected', lastError: { code: 'HUBSPOT_RATE_LIMITED', details: { status: 429 }, retryable: true, at: '2026-01-01T00:00:00.000Z' } });
    expect(recorded.calls).toEqual([['status', 'org-a', { manage: false }]]);
    expect(hostRequests.at(-1)).toHaveProperty('socket');
    const failures = await call('/failures?limit=5&cursor=9', { headers: member() });
    expect((await json(failures)).items[0]).toEqual({ id: '7', inviteId: 'inv', email: 'a@x.io', code: 'HUBSPOT_INVALID_EMAIL', details: { email: 'a@x.io' }, retryable: false, attempts: 1, failedAt: 't' });
    expect(recorded.calls.at(-1)).toEqual(['failures', 'org-a', { limit: 5, cursor: '9' }]);
  });

  it('leaves paths that are not its own to the host (including look-alike prefixes)', async () => {
    expect((await call('/elsewhere')).status).toBe(418);
    expect((await fetch(`${base}${MOUNT}x/status`)).status).toBe(418);
    expect((await fetch(`${base}/status`)).status).toBe(418);
    expect(recorded.calls).toEqual([]);
  });

  it('matches like Express did: one trailing slash and any case', async () => {
    expect((await call('/Status/', { headers: member() })).status).toBe(200);
  });

  it('answers 405 with Allow to another method on a known route, without running it', async () => {
    const wrong = await call('/disconnect', { headers: admin() });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(await json(wrong)).toEqual({ error: { code: 'METHOD_NOT_ALLOWED', message: 'GET is not supported here; use POST.' } });
    const put = await call('/status', { method: 'PUT', headers: member() });
    expect([put.status, put.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    expect(recorded.calls).toEqual([]);
    expect((await call('/status', { method: 'HEAD', headers: member() })).status).toBe(200);
  });

  it('maps errors in one place: 401, 403, core’s own codes, and a generic 500 that logs the detail server-side', async () => {
    expect(await json(await call('/status'))).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    const forbidden = await call('/resync', { method: 'POST', headers: { ...member(), ...WIDGET }, body: '{}' });
    expect([forbidden.status, (await json(forbidden)).error.code]).toEqual([403, 'FORBIDDEN']);
    const notConnected = await call('/resync', { method: 'POST', headers: { ...admin(), ...WIDGET }, body: '{}' });
    expect([notConnected.status, (await json(notConnected)).error.code]).toEqual([409, 'NOT_CONNECTED']);
    const broken = await call('/status', { headers: member('org-broken') });
    const text = await broken.text();
    expect(broken.status).toBe(500);
    expect(JSON.parse(text).error.code).toBe('INTERNAL');
    expect(text).not.toContain('hunter2');
    expect(errors.some((line) => line.includes('hunter2'))).toBe(true);
    const badLimit = await call('/failures?limit=0', { headers: member() });
    expect([badLimit.status, (await json(badLimit)).error.code]).toEqual([400, 'BAD_REQUEST']);
  });

  // Failed before: any number of ids went to core (70,000 → a 500 and a 1 MB log line).
  it('refuses more than 1,000 retry ids with 413 and the limit in details, before core sees them', async () => {
    const ids = (count: number) => JSON.stringify({ ids: Array.from({ length: count }, (_, index) => String(index + 1)) });
    const over = await call('/failures/retry', { method: 'POST', headers: { ...admin(), ...WIDGET }, body: ids(1_001) });
    expect([over.status, await json(over)]).toEqual([413, { error: { code: 'PAYLOAD_TOO_LARGE', message: 'At most 1000 ids per retry; send them in batches.', details: { field: 'ids', limit: 1_000, value: 1_001 } } }]);
    expect(recorded.calls).toEqual([]);
    expect(await json(await call('/failures/retry', { method: 'POST', headers: { ...admin(), ...WIDGET }, body: ids(1_000) }))).toEqual({ retried: 1_000 });
  });

  // Failed before: the unexpected error's message (and its stack) were logged whole.
  it('caps what it logs of an error: a database message repeating a 1 MB statement is cut to 2,000 characters', async () => {
    errors.length = 0;
    const res = await call('/status', { headers: member('org-huge') });
    expect([res.status, (await json(res)).error.code]).toEqual([500, 'INTERNAL']);
    expect(errors).toHaveLength(1);
    const fields = JSON.parse(errors[0]!.slice(errors[0]!.indexOf('{'))) as { message: string; stack: string };
    expect(fields.message.length).toBeLessThan(2_100);
    expect(fields.message).toMatch(/^bind message has 70001 parameter formats: UPDATE hubspot_outbox.*… \[\d+ more characters\]$/s);
    expect(fields.stack.length).toBeLessThan(4_100);
  });

  it('runs the same-site check before a mutation: a form post or a foreign Origin is refused', async () => {
    const form = await call('/disconnect', { method: 'POST', headers: { ...admin(), 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'x=1' });
    expect([form.status, (await json(form)).error.code]).toEqual([403, 'CROSS_SITE_REQUEST']);
    const foreign = await call('/disconnect', { method: 'POST', headers: { ...admin(), ...WIDGET, Origin: 'https://evil.example' }, body: '{}' });
    expect((await json(foreign)).error.code).toBe('CROSS_SITE_REQUEST');
    expect(recorded.calls).toEqual([]);
    const own = await call('/disconnect', { method: 'POST', headers: { ...admin(), ...WIDGET, Origin: base }, body: '{}' });
    expect(await json(own)).toEqual({ status: 'disconnected' });
    expect(recorded.calls).toEqual([['disconnect', 'org-a']]);
  });

  it('trusts X-Forwarded-Proto/-Host only with trustProxy', async () => {
    const forwarded = { ...admin(), ...WIDGET, 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'hr.example.com', Origin: 'https://hr.example.com' };
    expect((await call('/failures/retry', { method: 'POST', headers: forwarded, body: '{"ids":["1"]}' })).status).toBe(403);
    options = { trustProxy: true };
    expect(await json(await call('/failures/retry', { method: 'POST', headers: forwarded, body: '{"ids":["1"]}' }))).toEqual({ retried: 1 });
  });

  it('reads the JSON body itself, refusing bad JSON and a body over the limit', async () => {
    expect((await json(await call('/failures/retry', { method: 'POST', headers: { ...admin(), ...WIDGET }, body: '{"ids":' }))).error).toEqual({ code: 'BAD_REQUEST', message: 'The request body is not valid JSON.' });
    const huge = await call('/failures/retry', { method: 'POST', headers: { ...admin(), ...WIDGET }, body: JSON.stringify({ ids: ['1'.repeat(200_000)] }) });
    expect([huge.status, (await json(huge)).error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });

  // Failed before: ?confirmPortalChange=1 on a GET allowed the change, and no nonce cookie was set.
  it('redirects /connect to core’s consent URL with a nonce cookie (never a portal change), and a refusal back to returnTo', async () => {
    const ok = await call('/connect?confirmPortalChange=1', { headers: admin() });
    expect([ok.status, ok.headers.get('location')]).toEqual([302, 'https://app.hubspot.example/oauth/authorize?state=s1']);
    const cookie = ok.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^jc_hubspot_oauth=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=3600$/);
    expect(recorded.calls).toEqual([['connectUrl', { orgId: 'org-a', userId: 'u1', allowPortalChange: false, allowSharedPortal: false, browserNonce: cookie.slice('jc_hubspot_oauth='.length, cookie.indexOf(';')) }]]);
    expect((await call('/connect', { headers: member() })).headers.get('location')).toBe('/settings?hubspot=error&reason=FORBIDDEN');
  });

  it('confirms a portal change only by a same-site POST /connect, answering the consent URL', async () => {
    const res = await call('/connect', { method: 'POST', headers: { ...admin(), ...WIDGET }, body: '{"allowPortalChange":true}' });
    expect([res.status, await json(res)]).toEqual([200, { url: 'https://app.hubspot.example/oauth/authorize?state=s1' }]);
    expect(res.headers.get('set-cookie')).toMatch(/^jc_hubspot_oauth=[\w-]{43}; /);
    expect(recorded.calls).toEqual([['connectUrl', { orgId: 'org-a', userId: 'u1', allowPortalChange: true, allowSharedPortal: false, browserNonce: expect.any(String) }]]);
    const crossSite = await call('/connect', { method: 'POST', headers: { ...admin(), 'Content-Type': 'text/plain' }, body: '{"allowPortalChange":true}' });
    expect([crossSite.status, (await json(crossSite)).error.code]).toEqual([403, 'CROSS_SITE_REQUEST']);
    const bad = await call('/connect', { method: 'POST', headers: { ...admin(), ...WIDGET }, body: '{"allowPortalChange":"yes"}' });
    expect([bad.status, (await json(bad)).error.code]).toEqual([400, 'BAD_REQUEST']);
    expect((await call('/connect', { method: 'PUT', headers: admin() })).headers.get('allow')).toBe('GET, HEAD, POST');
    expect(recorded.calls).toHaveLength(1);
  });

  it('completes the callback with the signed-in org and user and the browser nonce, clears the cookie, and redirects either way', async () => {
    const nonce = 'n'.repeat(43);
    const done = await call('/callback?code=c&state=s', { headers: { ...member(), Cookie: `other=1; jc_hubspot_oauth=${nonce}` } });
    expect([done.status, done.headers.get('location'), done.headers.get('referrer-policy')]).toEqual([302, '/settings?hubspot=connected', 'no-referrer']);
    expect(done.headers.get('set-cookie')).toBe('jc_hubspot_oauth=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0');
    expect(recorded.calls[0]).toEqual(['completeOAuth', { code: 'c', state: 's', error: null, errorDescription: null, expectedOrgId: 'org-a', expectedUserId: 'u2', browserNonce: nonce }]);
    expect((await call('/callback?code=c&state=bad')).headers.get('location')).toBe('/settings?hubspot=error&reason=OAUTH_STATE_INVALID');
    expect(recorded.calls[1]).toEqual(['completeOAuth', expect.objectContaining({ expectedOrgId: null, expectedUserId: null, browserNonce: null })]);
  });

  describe('the status says what the signed-in user may do', () => {
    it('passes { manage } from isAdmin to core', async () => {
      await call('/status', { headers: admin() });
      await call('/status', { headers: member() });
      expect(recorded.calls).toEqual([
        ['status', 'org-a', { manage: true }],
        ['status', 'org-a', { manage: false }],
      ]);
      options = { isAdmin: (identity) => identity.userId === 'u2' };
      await call('/status', { headers: member() });
      expect(recorded.calls.at(-1)).toEqual(['status', 'org-a', { manage: true }]);
    });
  });

  describe('Sync now, dismiss and the backfill', () => {
    const post = (path: string, headers: Record<string, string>, body = '{}') => call(path, { method: 'POST', headers, body });

    it('runs each for an admin of the session’s org only, answering core’s result', async () => {
      expect(await json(await post('/sync?orgId=org-b', { ...admin(), ...WIDGET }))).toEqual({ pending: 3 });
      expect(await json(await post('/failures/dismiss', { ...admin(), ...WIDGET }, '{"ids":["7","invalid-3"],"orgId":"org-b"}'))).toEqual({ dismissed: 2 });
      expect(await json(await post('/backfill', { ...admin(), ...WIDGET }))).toMatchObject({ state: 'running', total: 4213 });
      expect(await json(await post('/backfill/cancel', { ...admin(), ...WIDGET }))).toMatchObject({ state: 'cancelled' });
      expect(recorded.calls).toEqual([
        ['syncNow', 'org-a'],
        ['dismissFailures', 'org-a', ['7', 'invalid-3']],
        ['startBackfill', 'org-a'],
        ['cancelBackfill', 'org-a'],
      ]);
    });

    it('refuses members (403), no session (401), cross-site posts (403) and other methods (405), before core', async () => {
      for (const path of ['/sync', '/failures/dismiss', '/backfill', '/backfill/cancel']) {
        const forbidden = await post(path, { ...member(), ...WIDGET }, '{"ids":["1"]}');
        expect([path, forbidden.status, (await json(forbidden)).error.code]).toEqual([path, 403, 'FORBIDDEN']);
        expect((await json(await post(path, WIDGET, '{"ids":["1"]}'))).error.code).toBe('UNAUTHENTICATED');
        const form = await call(path, { method: 'POST', headers: { ...admin(), 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'ids=1' });
        expect([path, form.status, (await json(form)).error.code]).toEqual([path, 403, 'CROSS_SITE_REQUEST']);
        const foreign = await post(path, { ...admin(), ...WIDGET, Origin: 'https://evil.example' }, '{"ids":["1"]}');
        expect((await json(foreign)).error.code).toBe('CROSS_SITE_REQUEST');
        const get = await call(path, { headers: admin() });
        expect([path, get.status, get.headers.get('allow')]).toEqual([path, 405, 'POST']);
      }
      expect(recorded.calls).toEqual([]);
    });

    it('dismiss needs an array of at most 1,000 string ids: 400 without, 413 beyond, before core', async () => {
      const ids = (count: number) => JSON.stringify({ ids: Array.from({ length: count }, (_, index) => String(index + 1)) });
      const over = await post('/failures/dismiss', { ...admin(), ...WIDGET }, ids(1_001));
      expect([over.status, await json(over)]).toEqual([413, { error: { code: 'PAYLOAD_TOO_LARGE', message: 'At most 1000 ids per dismiss; send them in batches.', details: { field: 'ids', limit: 1_000, value: 1_001 } } }]);
      for (const body of ['{}', '{"ids":"7"}', '{"ids":[7]}']) {
        const bad = await post('/failures/dismiss', { ...admin(), ...WIDGET }, body);
        expect([body, bad.status, await json(bad)]).toEqual([body, 400, { error: { code: 'BAD_REQUEST', message: expect.any(String), details: { field: 'ids' } } }]);
      }
      expect(recorded.calls).toEqual([]);
      expect(await json(await post('/failures/dismiss', { ...admin(), ...WIDGET }, ids(1_000)))).toEqual({ dismissed: 1_000 });
    });
  });

  describe('the callback’s outcomes', () => {
    const location = async (query: string, headers: Record<string, string> = member()) => (await call(`/callback?${query}`, { headers })).headers.get('location');

    it('POST /connect passes allowSharedPortal (the "Connect anyway" confirmation), a boolean only', async () => {
      const res = await call('/connect', { method: 'POST', headers: { ...admin(), ...WIDGET }, body: '{"allowSharedPortal":true}' });
      expect(await json(res)).toEqual({ url: 'https://app.hubspot.example/oauth/authorize?state=s1' });
      expect(recorded.calls).toEqual([['connectUrl', { orgId: 'org-a', userId: 'u1', allowPortalChange: false, allowSharedPortal: true, browserNonce: expect.any(String) }]]);
      const bad = await call('/connect', { method: 'POST', headers: { ...admin(), ...WIDGET }, body: '{"allowSharedPortal":1}' });
      expect([bad.status, await json(bad)]).toEqual([400, { error: { code: 'BAD_REQUEST', message: '`allowSharedPortal` must be a boolean.', details: { field: 'allowSharedPortal' } } }]);
    });

    it('names the portal of PORTAL_SHARED and PORTAL_IN_USE on the redirect (id, host name lower-cased, how many orgs use it)', async () => {
      expect(await location('code=c&state=shared')).toBe('/settings?hubspot=error&reason=PORTAL_SHARED&portalId=1002&portalDomain=globex-demo.hubspot.com&sharedWith=1');
      expect(await location('code=c&state=in-use')).toBe('/settings?hubspot=error&reason=PORTAL_IN_USE&portalId=1002&portalDomain=globex-demo.hubspot.com&sharedWith=2');
    });

    it('names both portals of PORTAL_MISMATCH, dropping any value that is not a number or a strict host name', async () => {
      expect(await location('code=c&state=mismatch')).toBe('/settings?hubspot=error&reason=PORTAL_MISMATCH&previousPortalId=1001&previousPortalDomain=acme.hubspot.com');
    });

    it('a reused callback URL or a Deny while the org is connected: "unchanged", never an error', async () => {
      expect(await location('code=c&state=bad')).toBe('/settings?hubspot=unchanged&reason=OAUTH_STATE_INVALID');
      expect(await location('error=access_denied&state=s')).toBe('/settings?hubspot=unchanged&reason=OAUTH_DENIED');
      // Not connected (or nobody signed in, or the status unreadable): the refusal is shown as it is.
      expect(await location('error=access_denied&state=s', member('org-new'))).toBe('/settings?hubspot=error&reason=OAUTH_DENIED');
      expect(await location('code=c&state=bad', {})).toBe('/settings?hubspot=error&reason=OAUTH_STATE_INVALID');
      expect(await location('code=c&state=bad', member('org-broken'))).toBe('/settings?hubspot=error&reason=OAUTH_STATE_INVALID');
    });

    it('replaces any outcome parameters already in returnTo', async () => {
      options = { returnTo: '/settings?tab=crm&hubspot=connected&portalDomain=old.example.com&reason=X' };
      expect(await location('code=c&state=in-use')).toBe('/settings?tab=crm&hubspot=error&reason=PORTAL_IN_USE&portalId=1002&portalDomain=globex-demo.hubspot.com&sharedWith=2');
    });
  });

  it('on https (a trusted proxy) uses a __Host- Secure cookie and reads only that one', async () => {
    options = { trustProxy: true };
    const https = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'hr.example.com' };
    const ok = await call('/connect', { headers: { ...admin(), ...https } });
    expect(ok.headers.get('set-cookie')).toMatch(/^__Host-jc_hubspot_oauth=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=3600$/);
    const nonce = 'h'.repeat(43);
    // An unprefixed cookie (plantable by a sibling subdomain or over http) does not count.
    await call('/callback?code=c&state=s', { headers: { ...member(), ...https, Cookie: `jc_hubspot_oauth=${nonce}` } });
    expect(recorded.calls[1]).toEqual(['completeOAuth', expect.objectContaining({ browserNonce: null })]);
    await call('/callback?code=c&state=s', { headers: { ...member(), ...https, Cookie: `__Host-jc_hubspot_oauth=${nonce}` } });
    expect(recorded.calls[2]).toEqual(['completeOAuth', expect.objectContaining({ browserNonce: nonce })]);
  });

  it('passes a webhook through to core as it arrived: method, public URL with query, headers and raw bytes', async () => {
    const body = '[ {"note": "ünïcødé ✓"} ]';
    const res = await call('/webhooks/?source=hubspot&x=a%3Ab', { method: 'POST', headers: { 'X-HubSpot-Signature-v3': 'sig', 'Content-Type': 'application/json' }, body });
    expect([res.status, res.headers.get('x-core'), res.headers.get('cache-control')]).toEqual([200, 'yes', 'no-store']);
    expect(await json(res)).toEqual({ received: 1, processed: 1, duplicates: 0, purgedRows: 0 });
    const [webhook] = recorded.webhooks;
    expect(webhook).toMatchObject({ method: 'POST', url: `${base}${MOUNT}/webhooks/?source=hubspot&x=a%3Ab`, rawText: body });
    expect(webhook?.headers['x-hubspot-signature-v3']).toBe('sig');
    options = { webhookUrl: 'https://public.example/hooks' };
    await call('/webhooks', { method: 'POST', body: '[]' });
    expect(recorded.webhooks[1]?.url).toBe('https://public.example/hooks');
  });

  it('refuses a webhook body over maxBodyBytes before core sees it', async () => {
    options = { maxBodyBytes: 16 };
    const res = await call('/webhooks', { method: 'POST', body: '[1,2,3,4,5,6,7,8,9,10]' });
    expect([res.status, (await json(res)).error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(recorded.webhooks).toEqual([]);
  });
});
