import { cleanup, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readOAuthRedirect } from './describe.js';
import { createFakeFetch, notConnectedReport, statusReport } from './test-support/fake-fetch.js';
import { renderRow } from './test-support/render-row.js';

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
    ['OAUTH_STATE_INVALID', /^The HubSpot sign-in could not be matched to this session .* Click Connect HubSpot to start again\.$/],
    ['OAUTH_STATE_EXPIRED', /^The HubSpot sign-in took too long and expired\. Click Connect HubSpot to start again\.$/],
    // On a row that is not connected the advice names the button that is there: Connect HubSpot.
    ['MISSING_SCOPES', /^HubSpot did not grant all the access JobCannon needs .* Click Connect HubSpot and approve every requested permission\.$/],
    ['PORTAL_MISMATCH', /^That HubSpot account is not the one this organization is connected to\. Click Connect HubSpot and choose the original account, or click Switch to the other portal/],
    ['OAUTH_EXCHANGE_FAILED', /^HubSpot approved the connection, but JobCannon could not complete it with HubSpot\. Wait a minute, then click Connect HubSpot again\.$/],
    ['OAUTH_ORG_MISMATCH', /started for another organization .* Sign in to the organization you want to connect, as an admin/],
    ['OAUTH_USER_MISMATCH', /^This HubSpot connection was started by another JobCannon user .* Sign in as yourself and click Connect HubSpot again\.$/],
    ['OAUTH_BROWSER_MISMATCH', /^The HubSpot approval finished in another browser .* Click Connect HubSpot in this browser/],
    ['UNAUTHENTICATED', /^Your JobCannon session has ended\./],
    ['FORBIDDEN', /^Only organization admins can manage the HubSpot integration\./],
    // Anything else is worded generically and never echoed: another site's link must not put
    // its own words on this page.
    ['SOMETHING_NEW', /^HubSpot could not be connected\. Click Connect HubSpot to try again\. If it keeps failing, contact JobCannon support\.$/],
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
        'That HubSpot account is not the one this organization is connected to. Click Reconnect HubSpot and choose the original account, or click Switch to the other portal if connecting the new one is intended (results then go to the new portal).',
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
    expect(await screen.findByText('Could not start the switch to the other portal.')).toBeTruthy();
    expect(navigate).not.toHaveBeenCalled();
  });

  it('refuses a consent URL that is not http(s)', async () => {
    const { user, navigate } = renderRow({ search: '?hubspot=error&reason=PORTAL_MISMATCH' }, { fake: createFakeFetch({ 'GET /status': { body: statusReport() }, 'POST /connect': { body: { url: 'javascript:alert(1)' } } }) });
    await user.click(await screen.findByRole('button', { name: 'Switch to the other portal' }));
    expect(await screen.findByText('Could not start the switch to the other portal.')).toBeTruthy();
    expect(navigate).not.toHaveBeenCalled();
  });

  it('treats a missing or unknown reason as unknown, and reads HubSpot\'s access_denied as OAUTH_DENIED', () => {
    expect(readOAuthRedirect('?hubspot=error')).toMatchObject({ outcome: 'error', reason: 'unknown' });
    expect(readOAuthRedirect('?hubspot=error&reason=%3Cscript%3E')).toMatchObject({ outcome: 'error', reason: 'unknown', message: 'HubSpot could not be connected.' });
    expect(readOAuthRedirect('?hubspot=error&reason=access_denied')).toMatchObject({ reason: 'OAUTH_DENIED', message: 'HubSpot access was not approved.' });
    expect(readOAuthRedirect('?tab=integrations')).toBeNull();
    expect(readOAuthRedirect('?hubspot=maybe')).toBeNull();
  });
});

describe('clearing the OAuth parameters', () => {
  beforeEach(() => {
    window.history.replaceState(null, '', '/settings/integrations?tab=crm&hubspot=error&reason=OAUTH_STATE_EXPIRED#hubspot');
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
    expect(window.location.search).toBe('?tab=crm&hubspot=error&reason=OAUTH_STATE_EXPIRED');
  });
});
