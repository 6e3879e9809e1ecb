import { cleanup, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readOAuthRedirect } from './describe.js';
import { createFakeFetch, notConnectedReport, statusReport } from './test-support/fake-fetch.js';
import { getPill, renderRow } from './test-support/render-row.js';

const getPillState = () => getPill().getAttribute('data-state');

afterEach(cleanup);

describe('after the OAuth redirect', () => {
  it('shows a green confirmation naming the connected portal', async () => {
    renderRow({ search: '?hubspot=connected' });
    const banner = await screen.findByText('HubSpot connected to acme.hubspot.com.');
    const region = banner.closest('[data-tone]')!;
    expect(region.getAttribute('data-tone')).toBe('success');
    // Good news is a polite status, not an alert.
    expect(region.getAttribute('role')).toBe('status');
  });

  it('names the hub id when the portal has no domain, and can be dismissed', async () => {
    const { user } = renderRow({ search: '?hubspot=connected' }, { status: statusReport({ portal: { id: 99, domain: null } }) });
    expect(await screen.findByText('HubSpot connected to Hub ID 99.')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByText(/HubSpot connected to/)).toBeNull();
  });

  const reasons: Array<[reason: string, text: RegExp]> = [
    ['access_denied', /^HubSpot access was not approved\. Click Connect HubSpot and approve the requested access\./],
    ['OAUTH_DENIED', /^HubSpot access was not approved\./],
    ['OAUTH_STATE_INVALID', /^The HubSpot sign-in was already used, or was started in another tab or browser\. Click Connect HubSpot to start again\.$/],
    ['OAUTH_STATE_EXPIRED', /^The HubSpot sign-in took too long and expired\. Click Connect HubSpot to start again\.$/],
    // On a row that is not connected the advice names the button that is there: Connect HubSpot.
    ['MISSING_SCOPES', /^HubSpot did not grant all the access JobCannon needs .* Click Connect HubSpot and approve every requested permission\.$/],
    ['PORTAL_MISMATCH', /^You approved another HubSpot account, but this organization's HubSpot account is a different one\. Click Connect HubSpot and choose the original account, or click Switch to the other portal/],
    ['PORTAL_SHARED', /^That HubSpot account is already used by another JobCannon organization\. Click Connect anyway/],
    ['PORTAL_IN_USE', /^That HubSpot account is already used by another JobCannon organization, and sharing one is turned off\. Click Connect HubSpot and choose another HubSpot account\.$/],
    ['OAUTH_EXCHANGE_FAILED', /^HubSpot approved the connection, but JobCannon could not complete it with HubSpot\. Wait a minute, then click Connect HubSpot again\.$/],
    ['OAUTH_ORG_MISMATCH', /started for another organization, so it was not saved\. Sign in to the organization you want to connect, as an admin/],
    ['OAUTH_USER_MISMATCH', /^This HubSpot connection was started by another JobCannon user, so it was not saved\. Sign in as yourself and click Connect HubSpot again\.$/],
    ['OAUTH_BROWSER_MISMATCH', /^The HubSpot approval finished in another browser .* Click Connect HubSpot in this browser/],
    ['UNAUTHENTICATED', /^Your JobCannon session has ended\./],
    ['FORBIDDEN', /^Only organization admins can manage the HubSpot integration\./],
    // Anything else is worded generically and never echoed: another site's link must not put
    // its own words on this page.
    ['SOMETHING_NEW', /^HubSpot could not be connected\. Click Connect HubSpot to try again\. If it keeps happening, contact JobCannon support\.$/],
    ['Your+account+is+suspended.+Call+555-0100', /^HubSpot could not be connected\. Click Connect HubSpot to try again\./],
    // Codes come from the URL: a prototype key, or a key of the messages table that is not a
    // code, must not pass for a known one.
    ['toString', /^HubSpot could not be connected\. Click Connect HubSpot/],
    ['dismiss', /^HubSpot could not be connected\. Click Connect HubSpot/],
    ['UNKNOWN_ERROR', /^HubSpot could not be connected\. Click Connect HubSpot/],
  ];
  it.each(reasons)('explains reason=%s in an alert', async (reason, text) => {
    renderRow({ search: `?hubspot=error&reason=${reason}` }, { status: notConnectedReport() });
    const alert = await screen.findByRole('alert');
    // The message paragraph; the banner also holds its Dismiss button.
    expect(alert.querySelector('p')!.textContent).toMatch(text);
    expect(alert.getAttribute('data-tone')).toBe('error');
    expect(await screen.findByRole('button', { name: 'Connect HubSpot' })).toBeTruthy();
    expect(alert.textContent).not.toMatch(/SOMETHING_NEW|suspended|555/);
  });

  it('a failed reconnect of a live connection names and offers Reconnect HubSpot', async () => {
    const { user, navigate } = renderRow({ search: '?hubspot=error&reason=PORTAL_MISMATCH' });
    const alert = await screen.findByRole('alert');
    await waitFor(() =>
      expect(alert.querySelector('p')!.textContent).toBe(
        "You approved another HubSpot account, but this organization's HubSpot account is a different one. Click Reconnect HubSpot and choose the original account, or click Switch to the other portal if the new one is intended.",
      ),
    );
    await user.click(screen.getByRole('button', { name: 'Reconnect HubSpot' }));
    expect(navigate).toHaveBeenCalledWith('/integrations/hubspot/connect');
  });

  // Failed before: the switch navigated to GET /connect?confirmPortalChange=1, a link any site could carry.
  it('lets the admin confirm a switch to another portal after PORTAL_MISMATCH, with a same-site POST', async () => {
    const consent = 'https://app.hubspot.com/oauth/authorize?client_id=jc&state=s';
    const { user, navigate, fake } = renderRow({ search: '?hubspot=error&reason=PORTAL_MISMATCH' }, { fake: createFakeFetch({ 'GET /status': { body: statusReport() }, 'POST /connect': { body: { url: consent } } }) });
    await user.click(await screen.findByRole('button', { name: 'Switch to the other portal' }));
    await waitFor(() => expect(navigate).toHaveBeenCalledWith(consent));
    const [post] = fake.calls('POST /connect');
    expect(post).toMatchObject({ body: { allowPortalChange: true }, headers: { 'content-type': 'application/json', 'x-requested-with': 'jobcannon-hubspot-widget' } });
    expect(navigate).not.toHaveBeenCalledWith(expect.stringContaining('confirmPortalChange'));
  });

  it('says so when the switch is refused, and goes nowhere', async () => {
    const { user, navigate } = renderRow(
      { search: '?hubspot=error&reason=PORTAL_MISMATCH' },
      { fake: createFakeFetch({ 'GET /status': { body: statusReport() }, 'POST /connect': { status: 403, body: { error: { code: 'CROSS_SITE_REQUEST', message: 'server text' } } } }) },
    );
    await user.click(await screen.findByRole('button', { name: 'Switch to the other portal' }));
    expect(await screen.findByText('Could not start connecting to HubSpot.')).toBeTruthy();
    expect(navigate).not.toHaveBeenCalled();
  });

  it('refuses a consent URL that is not http(s)', async () => {
    const { user, navigate } = renderRow({ search: '?hubspot=error&reason=PORTAL_MISMATCH' }, { fake: createFakeFetch({ 'GET /status': { body: statusReport() }, 'POST /connect': { body: { url: 'javascript:alert(1)' } } }) });
    await user.click(await screen.findByRole('button', { name: 'Switch to the other portal' }));
    expect(await screen.findByText('Could not start connecting to HubSpot.')).toBeTruthy();
    expect(navigate).not.toHaveBeenCalled();
  });

  it('names both portals after PORTAL_MISMATCH, without "is connected to" (true after a disconnect too)', async () => {
    renderRow(
      { search: '?hubspot=error&reason=PORTAL_MISMATCH&portalId=1002&portalDomain=globex-demo.hubspot.com&previousPortalId=1001&previousPortalDomain=acme-demo.hubspot.com' },
      { status: statusReport({ status: 'disconnected' }) },
    );
    const text = (await screen.findByRole('alert')).querySelector('p')!.textContent;
    expect(text).toBe(
      "You approved globex-demo.hubspot.com, but this organization's HubSpot account is acme-demo.hubspot.com. Click Connect HubSpot and choose acme-demo.hubspot.com, or click Switch to the other portal if globex-demo.hubspot.com is intended.",
    );
    expect(text).not.toMatch(/is connected to/);
  });

  it('PORTAL_SHARED names the portal and offers Connect anyway: a same-site POST with allowSharedPortal', async () => {
    const consent = 'https://app.hubspot.com/oauth/authorize?client_id=jc&state=s';
    const { user, navigate, fake } = renderRow(
      { search: '?hubspot=error&reason=PORTAL_SHARED&portalId=1001&portalDomain=acme-demo.hubspot.com&sharedWith=1' },
      { fake: createFakeFetch({ 'GET /status': { body: notConnectedReport() }, 'POST /connect': { body: { url: consent } } }) },
    );
    const alert = await screen.findByRole('alert');
    expect(alert.querySelector('p')!.textContent).toBe(
      'acme-demo.hubspot.com is already used by another JobCannon organization. Click Connect anyway if both should send results there (each writes only its own candidates), or choose another HubSpot account.',
    );
    await user.click(await screen.findByRole('button', { name: 'Connect anyway' }));
    await waitFor(() => expect(navigate).toHaveBeenCalledWith(consent));
    expect(fake.calls('POST /connect').map((r) => r.body)).toEqual([{ allowSharedPortal: true }]);
  });

  it('PORTAL_IN_USE explains it cannot be connected and offers no Connect anyway; members get no confirm buttons', async () => {
    renderRow({ search: '?hubspot=error&reason=PORTAL_IN_USE&portalId=1001&portalDomain=acme-demo.hubspot.com' }, { status: notConnectedReport() });
    expect((await screen.findByRole('alert')).textContent).toMatch(/^acme-demo\.hubspot\.com is already used by another JobCannon organization, and sharing one is turned off/);
    expect(screen.queryByRole('button', { name: 'Connect anyway' })).toBeNull();
    cleanup();
    renderRow({ search: '?hubspot=error&reason=PORTAL_SHARED&portalDomain=acme-demo.hubspot.com' }, { status: { ...notConnectedReport(), permissions: { manage: false } } });
    await screen.findByRole('alert');
    expect(screen.queryByRole('button', { name: 'Connect anyway' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Connect HubSpot' })).toBeNull();
  });

  it('uses a portal fact from the URL only when it is digits or a host name', () => {
    const { message } = readOAuthRedirect('?hubspot=error&reason=PORTAL_SHARED&portalDomain=%3Cb%3Eevil%3C%2Fb%3E&portalId=12x') as { message: string };
    expect(message).toBe('That HubSpot account is already used by another JobCannon organization.');
    expect((readOAuthRedirect('?hubspot=error&reason=PORTAL_SHARED&portalId=4242') as { message: string }).message).toBe('Hub ID 4242 is already used by another JobCannon organization.');
  });

  // Failed before: a reloaded callback or a Deny while connected said "Click Reconnect".
  it.each(['OAUTH_STATE_INVALID', 'OAUTH_DENIED'])('hubspot=unchanged&reason=%s is a neutral note: the row stays as it was', async (reason) => {
    renderRow({ search: `?hubspot=unchanged&reason=${reason}` });
    const note = await screen.findByText('Nothing changed: HubSpot is still connected to acme.hubspot.com.');
    expect(note.closest('[data-tone]')!.getAttribute('data-tone')).toBe('info');
    expect(note.closest('[role]')!.getAttribute('role')).toBe('status');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Reconnect HubSpot' })).toBeNull();
    expect(getPillState()).toBe('connected');
  });

  it('treats a missing or unknown reason as unknown, and reads HubSpot\'s access_denied as OAUTH_DENIED', () => {
    expect(readOAuthRedirect('?hubspot=unchanged&reason=toString')).toBeNull();
    expect(readOAuthRedirect('?hubspot=error')).toMatchObject({ outcome: 'error', reason: 'unknown' });
    expect(readOAuthRedirect('?hubspot=error&reason=%3Cscript%3E')).toMatchObject({ outcome: 'error', reason: 'unknown', message: 'HubSpot could not be connected.' });
    expect(readOAuthRedirect('?hubspot=error&reason=access_denied')).toMatchObject({ reason: 'OAUTH_DENIED', message: 'HubSpot access was not approved.' });
    expect(readOAuthRedirect('?tab=integrations')).toBeNull();
    expect(readOAuthRedirect('?hubspot=maybe')).toBeNull();
  });
});

describe('clearing the OAuth parameters', () => {
  beforeEach(() => {
    window.history.replaceState(null, '', '/settings/integrations?tab=crm&hubspot=error&reason=OAUTH_STATE_EXPIRED&portalId=1&portalDomain=a.example.com#hubspot');
  });

  it('reads window.location by default and removes only its own parameters', async () => {
    renderRow({ search: undefined, clearOAuthParams: true }, { status: notConnectedReport() });
    expect((await screen.findByRole('alert')).textContent).toMatch(/expired/);
    await waitFor(() => expect(window.location.search).toBe('?tab=crm'));
    expect(window.location.pathname).toBe('/settings/integrations');
    expect(window.location.hash).toBe('#hubspot');
    // The banner stays for this visit even though the URL no longer says so.
    expect(screen.getByRole('alert').textContent).toMatch(/expired/);
  });

  it('leaves the URL alone with clearOAuthParams={false}', async () => {
    renderRow({ search: undefined, clearOAuthParams: false }, { status: notConnectedReport() });
    await screen.findByRole('alert');
    expect(window.location.search).toBe('?tab=crm&hubspot=error&reason=OAUTH_STATE_EXPIRED&portalId=1&portalDomain=a.example.com');
  });
});
