import { cleanup, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeFetch, failureItem, notConnectedReport, statusReport } from './test-support/fake-fetch.js';
import { getPill, renderRow } from './test-support/render-row.js';
import type { BootstrapReport } from './types.js';

afterEach(cleanup);

const bootstrap = (overrides: Partial<BootstrapReport> = {}): BootstrapReport => ({
  ok: true,
  groupCreated: false,
  created: [],
  existing: [],
  missing: [],
  drift: [],
  checkedAt: '2026-05-04T12:00:00.000Z',
  ...overrides,
});

describe('Connect', () => {
  it('navigates the browser to {baseUrl}/connect (a trailing slash on baseUrl is tolerated)', async () => {
    const { navigate, user, fake } = renderRow({ baseUrl: '/integrations/hubspot/' }, { status: notConnectedReport() });
    await user.click(await screen.findByRole('button', { name: 'Connect HubSpot' }));
    expect(navigate).toHaveBeenCalledExactlyOnceWith('/integrations/hubspot/connect');
    // A navigation, not an XHR: the router answers /connect with a redirect to HubSpot.
    expect(fake.calls('GET /connect')).toHaveLength(0);
  });
});

describe('Resync properties', () => {
  it('POSTs /resync, says what it created, and refreshes the status', async () => {
    const fake = createFakeFetch();
    fake.sequence('GET /status', [
      { body: statusReport({ bootstrap: { ok: false, missing: ['jc_disc_d', 'jc_disc_i', 'jc_disc_s'], drift: [], checkedAt: '2026-05-04T11:00:00Z', created: [], groupCreated: false } }) },
      { body: statusReport() },
    ]);
    fake.on('POST /resync', { body: bootstrap({ created: ['jc_disc_d', 'jc_disc_i', 'jc_disc_s'], existing: ['jc_iq_score'] }) });
    const { user } = renderRow({}, { fake });
    await screen.findByRole('alert');
    await user.click(screen.getByRole('button', { name: 'Resync properties' }));

    expect(await screen.findByText('Created 3 properties: jc_disc_d, jc_disc_i, jc_disc_s.')).toBeTruthy();
    expect(fake.calls('POST /resync')).toHaveLength(1);
    expect(fake.calls('GET /status')).toHaveLength(2);
    await waitFor(() => expect(getPill().textContent).toBe('HubSpot status: Connected'));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says "Everything was already in place" when nothing was missing', async () => {
    const fake = createFakeFetch({ 'GET /status': { body: statusReport() }, 'POST /resync': { body: bootstrap({ existing: Array.from({ length: 17 }, (_, i) => `jc_${i}`) }) } });
    const { user } = renderRow({}, { fake });
    await user.click(await screen.findByRole('button', { name: 'Resync properties' }));
    expect(await screen.findByText('All 17 JobCannon properties were already in place.')).toBeTruthy();
  });

  it('mentions the group, shortens long lists, and reports what is still missing', async () => {
    const created = ['jc_disc_d', 'jc_disc_i', 'jc_disc_s', 'jc_disc_c', 'jc_bigfive_o', 'jc_bigfive_c', 'jc_bigfive_e'];
    const fake = createFakeFetch({ 'GET /status': { body: statusReport() }, 'POST /resync': { body: bootstrap({ ok: false, groupCreated: true, created, missing: ['jc_iq_score'] }) } });
    const { user } = renderRow({}, { fake });
    await user.click(await screen.findByRole('button', { name: 'Resync properties' }));
    expect(
      await screen.findByText(
        'Created the JobCannon Assessments property group and 7 properties: jc_disc_d, jc_disc_i, jc_disc_s, jc_disc_c, jc_bigfive_o and 2 more. Still missing: jc_iq_score.',
      ),
    ).toBeTruthy();
  });

  it('shows a 403 as a plain message, keeps the row usable', async () => {
    const fake = createFakeFetch({
      'GET /status': { body: statusReport() },
      'POST /resync': { status: 403, body: { error: { code: 'FORBIDDEN', message: 'Admins only' } } },
    });
    const { user } = renderRow({}, { fake });
    await user.click(await screen.findByRole('button', { name: 'Resync properties' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Resync failed. Only organization admins can manage the HubSpot integration. Ask an admin of your organization to do this.');
    // The pending notice is gone; the status was still re-read.
    expect(screen.queryByText('Resyncing properties…')).toBeNull();
    expect(fake.calls('GET /status')).toHaveLength(2);
    expect(screen.getByRole('button', { name: 'Resync properties' }).getAttribute('aria-disabled')).toBeNull();
  });

  it('ignores a second click while the first resync is running', async () => {
    let release: () => void = () => {};
    const fake = createFakeFetch({
      'GET /status': { body: statusReport() },
      'POST /resync': () => new Promise((resolve) => (release = () => resolve({ body: bootstrap() }))),
    });
    const { user } = renderRow({}, { fake });
    const resync = await screen.findByRole('button', { name: 'Resync properties' });
    await user.click(resync);
    expect(resync.getAttribute('aria-disabled')).toBe('true');
    expect(screen.getByText('Resyncing properties…')).toBeTruthy();
    await user.click(resync);
    release();
    await screen.findByText('All 17 JobCannon properties were already in place.');
    expect(fake.calls('POST /resync')).toHaveLength(1);
  });
});

describe('Disconnect', () => {
  it('asks for confirmation inline, then POSTs /disconnect and refreshes to Not connected', async () => {
    const fake = createFakeFetch({ 'POST /disconnect': { body: { status: 'disconnected' } } });
    fake.sequence('GET /status', [{ body: statusReport() }, { body: statusReport({ status: 'disconnected', portal: null }) }]);
    const { user } = renderRow({}, { fake });
    await user.click(await screen.findByRole('button', { name: 'Disconnect' }));

    const confirm = screen.getByRole('group', { name: /Disconnect HubSpot\? JobCannon stops sending results to acme\.hubspot\.com/ });
    expect(confirm).toBeTruthy();
    expect(fake.calls('POST /disconnect')).toHaveLength(0);
    // Focus lands on the safe choice.
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));

    await user.click(screen.getByRole('button', { name: 'Yes, disconnect' }));
    expect(await screen.findByText('HubSpot disconnected. New results are held until you connect again.')).toBeTruthy();
    expect(fake.calls('POST /disconnect')).toHaveLength(1);
    expect(fake.calls('GET /status')).toHaveLength(2);
    expect(getPill().textContent).toBe('HubSpot status: Not connected');
    const connect = screen.getByRole('button', { name: 'Connect HubSpot' });
    await waitFor(() => expect(document.activeElement).toBe(connect));
  });

  it('after a disconnect, neither the failures drawer nor its button is left', async () => {
    const fake = createFakeFetch({
      'POST /disconnect': { body: { status: 'disconnected' } },
      'GET /failures': { body: { items: [failureItem(1)], total: 1, nextCursor: null } },
    });
    fake.sequence('GET /status', [{ body: statusReport({ queue: { pending: 0, failed: 1, held: 0 } }) }, { body: statusReport({ status: 'disconnected', portal: null }) }]);
    const { user } = renderRow({}, { fake });
    await user.click(await screen.findByRole('button', { name: 'View 1 failed' }));
    await screen.findByText('Showing 1 of 1.');
    // The drawer is modal: the row's buttons are reached after closing it.
    await user.keyboard('{Escape}');
    await user.click(screen.getByRole('button', { name: 'Disconnect' }));
    await user.click(screen.getByRole('button', { name: 'Yes, disconnect' }));
    await screen.findByRole('button', { name: 'Connect HubSpot' });
    expect(screen.queryByRole('dialog', { name: /^Failed results/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /failed/ })).toBeNull();
  });

  it('Cancel (or Escape) backs out without a request and returns focus to Disconnect', async () => {
    const { user, fake } = renderRow();
    await user.click(await screen.findByRole('button', { name: 'Disconnect' }));
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('group')).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Disconnect' })));

    await user.keyboard('{Enter}');
    expect(screen.getByRole('group')).toBeTruthy();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('group')).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Disconnect' })));
    expect(fake.calls('POST /disconnect')).toHaveLength(0);
  });

  it('a failed disconnect says why and keeps the row connected', async () => {
    const fake = createFakeFetch({
      'GET /status': { body: statusReport() },
      'POST /disconnect': { status: 401, body: { error: { code: 'UNAUTHENTICATED', message: 'no session' } } },
    });
    const { user } = renderRow({}, { fake });
    await user.click(await screen.findByRole('button', { name: 'Disconnect' }));
    await user.click(screen.getByRole('button', { name: 'Yes, disconnect' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Disconnect failed. Your JobCannon session has ended. Sign in again, then retry.');
    expect(getPill().textContent).toBe('HubSpot status: Connected');
  });
});

describe('request headers', () => {
  it('POSTs send JSON content type, the CSRF header and same-origin credentials; GETs carry no CSRF header', async () => {
    const fake = createFakeFetch({ 'GET /status': { body: statusReport() }, 'POST /resync': { body: bootstrap() } });
    const { user } = renderRow({}, { fake });
    await user.click(await screen.findByRole('button', { name: 'Resync properties' }));
    await screen.findByText('All 17 JobCannon properties were already in place.');
    const [post] = fake.calls('POST /resync');
    expect(post!.headers['content-type']).toBe('application/json');
    expect(post!.headers['x-requested-with']).toBe('jobcannon-hubspot-widget');
    expect(post!.credentials).toBe('same-origin');
    expect(post!.body).toEqual({});
    const [get] = fake.calls('GET /status');
    expect(get!.headers['x-requested-with']).toBeUndefined();
    expect(get!.headers.accept).toBe('application/json');
    expect(get!.credentials).toBe('same-origin');
  });

  it('adds host headers to every request but never lets them replace the CSRF header', async () => {
    const fake = createFakeFetch({ 'GET /status': { body: statusReport() }, 'POST /resync': { body: bootstrap() } });
    const { user } = renderRow({ headers: { Authorization: 'Bearer t0k3n', 'x-requested-with': 'spoof' }, credentials: 'include' }, { fake });
    await user.click(await screen.findByRole('button', { name: 'Resync properties' }));
    await screen.findByText('All 17 JobCannon properties were already in place.');
    for (const request of fake.requests) {
      expect(request.headers.authorization).toBe('Bearer t0k3n');
      expect(request.credentials).toBe('include');
    }
    expect(fake.calls('POST /resync')[0]!.headers['x-requested-with']).toBe('jobcannon-hubspot-widget');
  });

  it('reads a headers function before each request (rotating tokens)', async () => {
    let token = 0;
    const fake = createFakeFetch({ 'GET /status': { body: statusReport() }, 'POST /resync': { body: bootstrap() } });
    const { user } = renderRow({ headers: () => ({ Authorization: `Bearer ${++token}` }) }, { fake });
    await user.click(await screen.findByRole('button', { name: 'Resync properties' }));
    await screen.findByText('All 17 JobCannon properties were already in place.');
    expect(fake.requests.map((request) => `${request.method} ${request.path} ${request.headers.authorization}`)).toEqual([
      'GET /status Bearer 1',
      'POST /resync Bearer 2',
      'GET /status Bearer 3',
    ]);
  });
});
