import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MOUNT,
  RETURN_TO,
  connectOrg,
  consent,
  expectNothingLeaked,
  finishCallback,
  startConnect,
  startRouterHarness,
  user,
  type RouterHarness,
} from './test-support/router-harness.js';

describe('OAuth connect and callback (router + core + emulator + PostgreSQL)', () => {
  let h: RouterHarness;
  beforeAll(async () => {
    h = await startRouterHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const status = async (orgId: string) => (await request(h.app).get(`${MOUNT}/status`).set(user(orgId, 'member-1', 'member')).expect(200)).body;

  it('connects end to end: /connect → consent → /callback → ?hubspot=connected → /status', async () => {
    expect((await status('org-flow')).status).toBe('not_connected');

    const authorize = await startConnect(h.app, user('org-flow'));
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${h.emulator.url}/oauth/authorize`);
    expect(authorize.searchParams.get('client_id')).toBe('jc-demo-client');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${h.origin}${MOUNT}/callback`);
    expect(authorize.searchParams.get('state')).toMatch(/^[\w-]{40,}$/);

    const callback = await consent(authorize, { hubId: 1001 });
    expect(callback.startsWith(`${MOUNT}/callback?code=`)).toBe(true);
    // The browser arrives without the session here (e.g. a strict SameSite cookie): the state carries the org.
    expect(await finishCallback(h.app, callback)).toEqual({ path: RETURN_TO, hubspot: 'connected', reason: null });

    const report = await status('org-flow');
    expect(report).toMatchObject({ status: 'connected', portal: { id: 1001, domain: 'acme-demo.hubspot.com' }, bootstrap: { ok: true, missing: [] } });
    expect(report.connectedBy).toBe('admin@acme-demo.com');
    expect(h.emulator.snapshot().installs.some((install) => install.hubId === 1001)).toBe(true);
    expect(h.emulator.snapshot().portals.find((portal) => portal.hubId === 1001)?.groups).toContain('jobcannon_assessments');
  });

  it('completes with the signed-in admin of the same org too', async () => {
    await connectOrg(h.app, 'org-signed-in', 1001);
    expect((await status('org-signed-in')).status).toBe('connected');
  });

  it('redirects with OAUTH_DENIED when the admin denies consent', async () => {
    const callback = await consent(await startConnect(h.app, user('org-deny')), { decision: 'deny' });
    expect(callback).toContain('error=access_denied');
    expect(await finishCallback(h.app, callback, user('org-deny'))).toEqual({ path: RETURN_TO, hubspot: 'error', reason: 'OAUTH_DENIED' });
    expect((await status('org-deny')).status).toBe('not_connected');
  });

  it('redirects with MISSING_SCOPES when a required scope was not granted', async () => {
    const authorize = await startConnect(h.app, user('org-scopes'));
    const granted = (authorize.searchParams.get('scope') ?? '').split(' ').filter((scope) => scope !== 'crm.schemas.contacts.write');
    const callback = await consent(authorize, { scopes: granted });
    expect(await finishCallback(h.app, callback, user('org-scopes'))).toEqual({ path: RETURN_TO, hubspot: 'error', reason: 'MISSING_SCOPES' });
    expect((await status('org-scopes')).status).toBe('not_connected');
  });

  it('redirects with OAUTH_EXCHANGE_FAILED when HubSpot refuses the code (a reused one)', async () => {
    const first = await consent(await startConnect(h.app, user('org-reuse')));
    expect((await finishCallback(h.app, first)).hubspot).toBe('connected');
    const usedCode = new URL(first, 'http://x.invalid').searchParams.get('code') ?? '';
    const fresh = new URL(await consent(await startConnect(h.app, user('org-reuse'))), 'http://x.invalid');
    fresh.searchParams.set('code', usedCode);
    expect(await finishCallback(h.app, `${fresh.pathname}${fresh.search}`)).toEqual({ path: RETURN_TO, hubspot: 'error', reason: 'OAUTH_EXCHANGE_FAILED' });
  });

  it('redirects with PORTAL_MISMATCH when another portal is approved, and connects it after confirmPortalChange=1', async () => {
    await connectOrg(h.app, 'org-switch', 1001);
    const other = await consent(await startConnect(h.app, user('org-switch')), { hubId: 1002 });
    expect(await finishCallback(h.app, other, user('org-switch'))).toEqual({ path: RETURN_TO, hubspot: 'error', reason: 'PORTAL_MISMATCH' });
    expect((await status('org-switch')).portal.id).toBe(1001);

    const confirmed = await consent(await startConnect(h.app, user('org-switch'), '?confirmPortalChange=1'), { hubId: 1002 });
    expect(await finishCallback(h.app, confirmed, user('org-switch'))).toEqual({ path: RETURN_TO, hubspot: 'connected', reason: null });
    expect(await status('org-switch')).toMatchObject({ status: 'connected', portal: { id: 1002, domain: 'globex-demo.hubspot.com' } });
  });

  describe('state', () => {
    it('refuses a forged state (signed in or not)', async () => {
      const real = new URL(await consent(await startConnect(h.app, user('org-forged'))), 'http://x.invalid');
      real.searchParams.set('state', 'forged-state-value');
      const forged = `${real.pathname}${real.search}`;
      expect(await finishCallback(h.app, forged)).toMatchObject({ hubspot: 'error', reason: 'OAUTH_STATE_INVALID' });
      expect(await finishCallback(h.app, forged, user('org-forged'))).toMatchObject({ hubspot: 'error', reason: 'OAUTH_STATE_INVALID' });
      expect(await finishCallback(h.app, `${MOUNT}/callback?code=abc`)).toMatchObject({ hubspot: 'error', reason: 'OAUTH_STATE_INVALID' });
      expect((await status('org-forged')).status).toBe('not_connected');
    });

    it('refuses a replayed state', async () => {
      const callback = await consent(await startConnect(h.app, user('org-replay')));
      expect((await finishCallback(h.app, callback, user('org-replay'))).hubspot).toBe('connected');
      expect(await finishCallback(h.app, callback, user('org-replay'))).toEqual({ path: RETURN_TO, hubspot: 'error', reason: 'OAUTH_STATE_INVALID' });
    });

    it('refuses a state older than 10 minutes', async () => {
      const callback = await consent(await startConnect(h.app, user('org-expired')));
      h.clock.offsetMs = 10 * 60_000 + 1_000;
      try {
        expect(await finishCallback(h.app, callback, user('org-expired'))).toEqual({ path: RETURN_TO, hubspot: 'error', reason: 'OAUTH_STATE_EXPIRED' });
      } finally {
        h.clock.offsetMs = 0;
      }
      expect((await status('org-expired')).status).toBe('not_connected');
    });

    it("refuses a signed-in admin of another org before any code exchange, and burns the state", async () => {
      // Org B's admin starts a connect and gets org A's admin to approve it in A's browser.
      const callback = await consent(await startConnect(h.app, user('org-b-attacker')), { hubId: 1002 });
      const exchangesBefore = h.emulator.requests({ route: 'oauth.token' }).length;
      expect(await finishCallback(h.app, callback, user('org-a-victim'))).toEqual({ path: RETURN_TO, hubspot: 'error', reason: 'OAUTH_ORG_MISMATCH' });
      expect(h.emulator.requests({ route: 'oauth.token' }).length).toBe(exchangesBefore);
      expect((await status('org-b-attacker')).status).toBe('not_connected');
      expect((await status('org-a-victim')).status).toBe('not_connected');
      // Single use: not even org B's own session can finish it now.
      expect(await finishCallback(h.app, callback, user('org-b-attacker'))).toMatchObject({ reason: 'OAUTH_STATE_INVALID' });
    });
  });

  it('only sends the browser to the configured returnTo, whatever the query says', async () => {
    const callback = await consent(await startConnect(h.app, user('org-open')), { decision: 'deny' });
    const res = await request(h.app).get(`${callback}&returnTo=https://evil.example&redirect_uri=https://evil.example`).expect(302);
    expect(res.headers.location).toBe(`${RETURN_TO}?hubspot=error&reason=OAUTH_DENIED`);
    expect(res.headers['referrer-policy']).toBe('no-referrer');

    const fn = h.build({ router: { returnTo: (req) => (req.query.to === 'evil' ? '//evil.example/x' : '/from-fn?tab=crm') } });
    const good = await consent(await startConnect(fn, user('org-open-fn')), { decision: 'deny' });
    expect((await request(fn).get(good).expect(302)).headers.location).toBe('/from-fn?tab=crm&hubspot=error&reason=OAUTH_DENIED');
    const bad = await request(fn).get(`${MOUNT}/callback?to=evil&state=x`).expect(500);
    expect(bad.body.error.code).toBe('INTERNAL');
    expect(bad.headers.location).toBeUndefined();

    const absolute = h.build({ router: { returnTo: 'https://app.jobcannon.io/settings#hubspot' } });
    const denied = await consent(await startConnect(absolute, user('org-open-abs')), { decision: 'deny' });
    expect((await request(absolute).get(denied).expect(302)).headers.location).toBe('https://app.jobcannon.io/settings?hubspot=error&reason=OAUTH_DENIED#hubspot');
  });

  it('never leaks a token, the client secret or a stack trace', () => {
    expectNothingLeaked(h);
  });
});
