import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MOUNT,
  RETURN_TO,
  WIDGET_POST,
  connectOrg,
  consent,
  finishCallback,
  startConnect,
  startConnectByPost,
  startRouterHarness,
  startingBrowser,
  user,
  type RouterHarness,
} from './test-support/router-harness.js';

// Two JobCannon customers, one HubSpot account (issue 15, item 3): the second org's admin is told
// before the connect completes, and one org's Disconnect never uninstalls the app from the other's portal.

const status = async (h: RouterHarness, orgId: string) => (await request(h.app).get(`${MOUNT}/status`).set(user(orgId)).expect(200)).body;

describe('shared portals, sharedPortals: confirm (the default)', () => {
  let h: RouterHarness;
  beforeAll(async () => {
    h = await startRouterHarness({ integration: { sharedPortals: 'confirm' } });
    await connectOrg(h.app, 'org-acme', 1001);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses a second org on the portal with PORTAL_SHARED naming it, then connects after "Connect anyway"', async () => {
    const callback = await consent(await startConnect(h.app, user('org-globex')), { hubId: 1001 });
    const location = (await request(h.app).get(callback).set(user('org-globex')).set(startingBrowser(callback)).expect(302)).headers.location ?? '';
    const url = new URL(location, 'http://host.invalid');
    expect(url.pathname).toBe(RETURN_TO);
    expect(Object.fromEntries(url.searchParams)).toEqual({ hubspot: 'error', reason: 'PORTAL_SHARED', portalId: '1001', portalDomain: 'acme-demo.hubspot.com', sharedWith: '1' });
    expect((await status(h, 'org-globex')).status).toBe('not_connected');

    const confirmed = await consent(await startConnectByPost(h.app, user('org-globex'), { allowSharedPortal: true }), { hubId: 1001 });
    expect(await finishCallback(h.app, confirmed, user('org-globex'))).toEqual({ path: RETURN_TO, hubspot: 'connected', reason: null });
    expect(await status(h, 'org-globex')).toMatchObject({ status: 'connected', portal: { id: 1001 }, sharedWith: 1 });
    expect((await status(h, 'org-acme')).sharedWith).toBe(1);
  });

  it("one org's Disconnect revokes only its own tokens: the app stays installed and the other org stays connected", async () => {
    await request(h.app).post(`${MOUNT}/disconnect`).set(user('org-globex')).set(WIDGET_POST).send({}).expect(200);
    expect(h.emulator.snapshot().installs.some((install) => install.hubId === 1001)).toBe(true);
    expect((await status(h, 'org-acme')).status).toBe('connected');
    expect((await status(h, 'org-acme')).sharedWith).toBe(0);
  });
});

describe('shared portals, sharedPortals: refuse', () => {
  let h: RouterHarness;
  beforeAll(async () => {
    h = await startRouterHarness({ integration: { sharedPortals: 'refuse' } });
    await connectOrg(h.app, 'org-acme', 1001);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers PORTAL_IN_USE, even after a "Connect anyway"', async () => {
    const first = await consent(await startConnect(h.app, user('org-globex')), { hubId: 1001 });
    expect(await finishCallback(h.app, first, user('org-globex'))).toMatchObject({ hubspot: 'error', reason: 'PORTAL_IN_USE' });
    const forced = await consent(await startConnectByPost(h.app, user('org-globex'), { allowSharedPortal: true }), { hubId: 1001 });
    expect(await finishCallback(h.app, forced, user('org-globex'))).toMatchObject({ hubspot: 'error', reason: 'PORTAL_IN_USE' });
    expect((await status(h, 'org-globex')).status).toBe('not_connected');
  });
});

