import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MOUNT,
  RETURN_TO,
  connectOrg,
  consent,
  expectNothingLeaked,
  finishCallback,
  nonceCookieOf,
  startConnect,
  startConnectByPost,
  startRouterHarness,
  startingBrowser,
  WIDGET_POST,
  user,
  waitForSetup,
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
    // The same admin, signed in, in the browser that started (it carries the nonce cookie).
    expect(startingBrowser(callback).Cookie).toMatch(/^jc_hubspot_oauth=[\w-]{43}$/);
    expect(await finishCallback(h.app, callback, user('org-flow'))).toEqual({ path: RETURN_TO, hubspot: 'connected', reason: null });
    // The callback answered at once; the property setup runs in the background.
    await waitForSetup(h.app, 'org-flow');

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

  describe('no false alarms while connected', () => {
    // Failed before: reloading a used callback URL said "could not be matched… Click Reconnect",
    // and a Deny on a reconnect said "Click Reconnect" though nothing had broken.
    it('a reused callback URL while connected: unchanged, the connection as it was', async () => {
      const callback = await consent(await startConnect(h.app, user('org-reload')));
      expect((await finishCallback(h.app, callback, user('org-reload'))).hubspot).toBe('connected');
      expect(await finishCallback(h.app, callback, user('org-reload'))).toEqual({ path: RETURN_TO, hubspot: 'unchanged', reason: 'OAUTH_STATE_INVALID' });
      expect(await status('org-reload')).toMatchObject({ status: 'connected', portal: { id: 1001 }, lastError: null });
    });

    it('a Deny on a reconnect while connected: unchanged; a Deny before any connection is still an error', async () => {
      await connectOrg(h.app, 'org-deny-live', 1001);
      const denied = await consent(await startConnect(h.app, user('org-deny-live')), { decision: 'deny' });
      expect(await finishCallback(h.app, denied, user('org-deny-live'))).toEqual({ path: RETURN_TO, hubspot: 'unchanged', reason: 'OAUTH_DENIED' });
      expect(await status('org-deny-live')).toMatchObject({ status: 'connected', lastError: null });
    });
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
    expect((await finishCallback(h.app, first, user('org-reuse'))).hubspot).toBe('connected');
    const usedCode = new URL(first, 'http://x.invalid').searchParams.get('code') ?? '';
    const fresh = new URL(await consent(await startConnect(h.app, user('org-reuse'))), 'http://x.invalid');
    fresh.searchParams.set('code', usedCode);
    expect(await finishCallback(h.app, `${fresh.pathname}${fresh.search}`, user('org-reuse'))).toEqual({ path: RETURN_TO, hubspot: 'error', reason: 'OAUTH_EXCHANGE_FAILED' });
  });

  // Failed before: GET /connect?confirmPortalChange=1 (a link any page can carry) allowed the switch.
  it('redirects with PORTAL_MISMATCH when another portal is approved, even after GET ?confirmPortalChange=1; connects it after a same-site POST /connect', async () => {
    await connectOrg(h.app, 'org-switch', 1001);
    const other = await consent(await startConnect(h.app, user('org-switch')), { hubId: 1002 });
    const mismatch = await request(h.app).get(other).set(user('org-switch')).set(startingBrowser(other)).expect(302);
    // Both portals named, so the widget can say which is which.
    expect(mismatch.headers.location).toBe(
      `${RETURN_TO}?hubspot=error&reason=PORTAL_MISMATCH&portalId=1002&portalDomain=globex-demo.hubspot.com&previousPortalId=1001&previousPortalDomain=acme-demo.hubspot.com`,
    );
    expect((await status('org-switch')).portal.id).toBe(1001);

    const linked = await consent(await startConnect(h.app, user('org-switch'), '?confirmPortalChange=1'), { hubId: 1002 });
    expect(await finishCallback(h.app, linked, user('org-switch'))).toEqual({ path: RETURN_TO, hubspot: 'error', reason: 'PORTAL_MISMATCH' });
    expect((await status('org-switch')).portal.id).toBe(1001);

    // A cross-site form cannot send it.
    const forged = await request(h.app).post(`${MOUNT}/connect`).set(user('org-switch')).set('Content-Type', 'text/plain').send('{"allowPortalChange":true}').expect(403);
    expect(forged.body.error.code).toBe('CROSS_SITE_REQUEST');
    expect(nonceCookieOf(forged.headers['set-cookie'])).toBeNull();

    const confirmed = await consent(await startConnectByPost(h.app, user('org-switch')), { hubId: 1002 });
    expect(await finishCallback(h.app, confirmed, user('org-switch'))).toEqual({ path: RETURN_TO, hubspot: 'connected', reason: null });
    expect(await status('org-switch')).toMatchObject({ status: 'connected', portal: { id: 1002, domain: 'globex-demo.hubspot.com' } });
  });

  it('POST /connect needs an admin and answers JSON', async () => {
    expect((await request(h.app).post(`${MOUNT}/connect`).set(WIDGET_POST).send({}).expect(401)).body.error.code).toBe('UNAUTHENTICATED');
    expect((await request(h.app).post(`${MOUNT}/connect`).set(user('org-post', 'member-1', 'member')).set(WIDGET_POST).send({}).expect(403)).body.error.code).toBe('FORBIDDEN');
  });

  describe('the state is bound to the browser, the user and the org', () => {
    // The attack from issue 17: Globex's admin requests /connect, opens the consent link in a
    // browser with no JobCannon session, approves Acme's portal there. Before: Globex got
    // connected to Acme's portal (the state alone carried the org). Now refused, no code exchange.
    it("refuses a Globex admin's consent link approved for Acme's portal in a browser with no session", async () => {
      const authorize = await startConnect(h.app, user('org-globex', 'globex-admin'));
      const callback = await consent(authorize, { hubId: 1001 });
      const exchangesBefore = h.emulator.requests({ route: 'oauth.token' }).length;
      expect(await finishCallback(h.app, callback, {}, { cookie: null })).toEqual({ path: RETURN_TO, hubspot: 'error', reason: 'UNAUTHENTICATED' });
      expect(h.emulator.requests({ route: 'oauth.token' }).length).toBe(exchangesBefore);
      expect((await status('org-globex')).status).toBe('not_connected');
      // Spent: not even Globex's admin in their own browser can finish it now.
      expect(await finishCallback(h.app, callback, user('org-globex', 'globex-admin'))).toMatchObject({ reason: 'OAUTH_STATE_INVALID' });
      expect((await status('org-globex')).status).toBe('not_connected');
    });

    it('refuses the starting admin signed in, but in another browser (no nonce cookie, or another one)', async () => {
      const callback = await consent(await startConnect(h.app, user('org-browser')));
      expect(await finishCallback(h.app, callback, user('org-browser'), { cookie: null })).toEqual({ path: RETURN_TO, hubspot: 'error', reason: 'OAUTH_BROWSER_MISMATCH' });
      const other = await consent(await startConnect(h.app, user('org-browser')));
      expect(await finishCallback(h.app, other, user('org-browser'), { cookie: `jc_hubspot_oauth=${'x'.repeat(43)}` })).toMatchObject({ reason: 'OAUTH_BROWSER_MISMATCH' });
      expect((await status('org-browser')).status).toBe('not_connected');
    });

    it('refuses another admin of the same org finishing a colleague’s connect', async () => {
      const callback = await consent(await startConnect(h.app, user('org-colleague', 'admin-1')));
      expect(await finishCallback(h.app, callback, user('org-colleague', 'admin-2'))).toEqual({ path: RETURN_TO, hubspot: 'error', reason: 'OAUTH_USER_MISMATCH' });
      expect((await status('org-colleague')).status).toBe('not_connected');
    });

    it('clears the nonce cookie at the callback, whatever the outcome', async () => {
      const callback = await consent(await startConnect(h.app, user('org-clear')), { decision: 'deny' });
      const res = await request(h.app).get(callback).set(user('org-clear')).set(startingBrowser(callback)).expect(302);
      expect(res.headers.location).toBe(`${RETURN_TO}?hubspot=error&reason=OAUTH_DENIED`);
      expect(res.headers['set-cookie']).toEqual(['jc_hubspot_oauth=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0']);
    });

    it('sets a __Host- Secure cookie when the request is https', async () => {
      const app = h.build({ trustProxy: true });
      const res = await request(app).get(`${MOUNT}/connect`).set(user('org-https')).set('X-Forwarded-Proto', 'https').expect(302);
      expect(res.headers['set-cookie']).toEqual([expect.stringMatching(/^__Host-jc_hubspot_oauth=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=3600$/)]);
    });
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
      // Refused (the state is spent); while the org is connected that is a neutral "unchanged".
      expect(await finishCallback(h.app, callback, user('org-replay'))).toEqual({ path: RETURN_TO, hubspot: 'unchanged', reason: 'OAUTH_STATE_INVALID' });
      // Anyone else replaying it (not signed in to that org) gets the refusal itself.
      expect(await finishCallback(h.app, callback)).toEqual({ path: RETURN_TO, hubspot: 'error', reason: 'OAUTH_STATE_INVALID' });
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
    const res = await request(h.app).get(`${callback}&returnTo=https://evil.example&redirect_uri=https://evil.example`).set(user('org-open')).set(startingBrowser(callback)).expect(302);
    expect(res.headers.location).toBe(`${RETURN_TO}?hubspot=error&reason=OAUTH_DENIED`);
    expect(res.headers['referrer-policy']).toBe('no-referrer');

    const fn = h.build({ router: { returnTo: (req) => (req.query.to === 'evil' ? '//evil.example/x' : '/from-fn?tab=crm') } });
    const good = await consent(await startConnect(fn, user('org-open-fn')), { decision: 'deny' });
    expect((await request(fn).get(good).set(user('org-open-fn')).set(startingBrowser(good)).expect(302)).headers.location).toBe('/from-fn?tab=crm&hubspot=error&reason=OAUTH_DENIED');
    const bad = await request(fn).get(`${MOUNT}/callback?to=evil&state=x`).expect(500);
    expect(bad.body.error.code).toBe('INTERNAL');
    expect(bad.headers.location).toBeUndefined();

    const absolute = h.build({ router: { returnTo: 'https://app.jobcannon.io/settings#hubspot' } });
    const denied = await consent(await startConnect(absolute, user('org-open-abs')), { decision: 'deny' });
    expect((await request(absolute).get(denied).set(user('org-open-abs')).set(startingBrowser(denied)).expect(302)).headers.location).toBe('https://app.jobcannon.io/settings?hubspot=error&reason=OAUTH_DENIED#hubspot');
  });

  it('never leaks a token, the client secret or a stack trace', () => {
    expectNothingLeaked(h);
  });
});
