import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { StrictMode } from 'react';
import { HubSpotIntegrationRow } from './hubspot-integration-row.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BASE_URL, createFakeFetch, lastError, notConnectedReport, statusReport, bootstrapReport } from './test-support/fake-fetch.js';
import { getPill, getRoot, renderRow } from './test-support/render-row.js';

// vitest runs without globals, so testing-library cannot register its own cleanup.
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('HubSpotIntegrationRow states', () => {
  it('shows a checking pill until the status arrives', async () => {
    renderRow();
    expect(getPill()).toHaveProperty('textContent', 'HubSpot status: Checking…');
    expect(getRoot().dataset.state).toBe('loading');
    await waitFor(() => expect(getPill().textContent).toBe('HubSpot status: Connected'));
  });

  it('not connected: gray pill, Connect HubSpot only, no queue noise', async () => {
    renderRow({}, { status: notConnectedReport() });
    const connect = await screen.findByRole('button', { name: 'Connect HubSpot' });
    expect(getPill().textContent).toBe('HubSpot status: Not connected');
    expect(getPill().dataset.state).toBe('not_connected');
    expect(getRoot().dataset.state).toBe('not_connected');
    expect(connect.dataset.variant).toBe('primary');
    expect(screen.queryByRole('button', { name: 'Disconnect' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Resync properties' })).toBeNull();
    expect(screen.queryByText('Pending')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('disconnected reads as Not connected and says held results wait for the next connect', async () => {
    renderRow({}, { status: statusReport({ status: 'disconnected', queue: { pending: 0, failed: 0, held: 4 }, lastError: lastError('MUST_RECONNECT') }) });
    await screen.findByRole('button', { name: 'Connect HubSpot' });
    expect(getPill().textContent).toBe('HubSpot status: Not connected');
    expect(screen.getByText(/4 held results are sent after you connect/)).toBeTruthy();
    // A stale error from before the disconnect is not something to act on.
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('connected: portal, who connected it, relative last sync with the exact time, queue figures', async () => {
    renderRow({}, { status: statusReport({ queue: { pending: 0, failed: 0, held: 2 } }) });
    await waitFor(() => expect(getPill().textContent).toBe('HubSpot status: Connected'));
    expect(getPill().dataset.state).toBe('connected');
    const details = screen.getByText(/acme\.hubspot\.com · Hub ID 4412345/);
    expect(details.textContent).toBe('acme.hubspot.com · Hub ID 4412345Connected by rita@acme.test 3 days ago');
    const lastSync = screen.getByText('3 minutes ago');
    expect(lastSync.tagName).toBe('TIME');
    expect(lastSync.getAttribute('dateTime')).toBe('2026-05-04T11:57:00.000Z');
    expect(lastSync.getAttribute('title')).toBe(new Date('2026-05-04T11:57:00.000Z').toLocaleString());
    expect(lastSync.parentElement!.textContent).toBe('Last sync 3 minutes ago');
    const figures = (term: string) => screen.getByText(term).nextElementSibling!.textContent;
    expect([figures('Pending'), figures('Held'), figures('Failed')]).toEqual(['0', '2', '0']);
    expect(screen.getByRole('button', { name: 'Resync properties' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Disconnect' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Connect HubSpot|Reconnect HubSpot|failed/ })).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says "Never synced" before the first push', async () => {
    renderRow({}, { status: statusReport({ lastSyncAt: null }) });
    expect(await screen.findByText('Never synced')).toBeTruthy();
  });

  it('must_reconnect: pill, the plain-language banner and a primary Reconnect HubSpot that navigates', async () => {
    const { navigate, user } = renderRow({}, { status: statusReport({ status: 'must_reconnect', queue: { pending: 0, failed: 0, held: 3 }, lastError: lastError('MUST_RECONNECT', { status: 401 }) }) });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe(
      'HubSpot refused our access - the app was uninstalled or the token revoked. Click Reconnect HubSpot. No data is lost: held results are sent after you reconnect.',
    );
    // One banner, not two: the MUST_RECONNECT lastError says the same as the status.
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    expect(getPill().textContent).toBe('HubSpot status: Needs reconnect');
    expect(getRoot().dataset.state).toBe('must_reconnect');
    const reconnect = screen.getByRole('button', { name: 'Reconnect HubSpot' });
    expect(reconnect.dataset.variant).toBe('primary');
    // No resync without a working token; the connection can still be dropped.
    expect(screen.queryByRole('button', { name: 'Resync properties' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Disconnect' })).toBeTruthy();
    await user.click(reconnect);
    expect(navigate).toHaveBeenCalledWith('/integrations/hubspot/connect');
  });

  it('error: words the lastError from its code and details, with what HubSpot said as a second line', async () => {
    const details = { property: 'jc_iq_score', value: 190, hubspotMessage: 'Property values were not valid: [{"isValid":false,"name":"jc_iq_score"}]' };
    renderRow({}, { status: statusReport({ lastError: lastError('HUBSPOT_INVALID_VALUE', details) }) });
    const alert = await screen.findByRole('alert');
    expect(alert.querySelector('p')!.textContent).toBe(
      'HubSpot refused the value 190 for the property jc_iq_score. Correct it in JobCannon and the result is sent again. If the value is right, check that property in HubSpot (Settings → Properties).',
    );
    expect(alert.querySelector('.jc-hs__said')!.textContent).toBe('HubSpot said: Property values were not valid');
    expect(alert.textContent).not.toContain('isValid');
    expect(getPill().textContent).toBe('HubSpot status: Error');
    expect(getPill().dataset.state).toBe('error');
  });

  it('error: a lastError code this widget does not know is worded generically, never echoed', async () => {
    const odd = { ...lastError('INTERNAL'), code: 'NEW_CORE_CODE' } as unknown as ReturnType<typeof lastError>;
    renderRow({}, { status: statusReport({ lastError: odd }) });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Something unexpected went wrong. Try again in a minute. If it keeps happening, contact JobCannon support.Last seen 2 minutes ago');
  });

  it('RETRIES_EXHAUSTED names its last cause from details.lastCode', async () => {
    renderRow({}, { status: statusReport({ lastError: lastError('RETRIES_EXHAUSTED', { lastCode: 'HUBSPOT_UNAVAILABLE' }, true) }) });
    expect((await screen.findByRole('alert')).querySelector('p')!.textContent).toBe(
      'JobCannon stopped retrying this result after repeated failures. The last one: HubSpot is having trouble right now (it answered with a server error). Retry it once the cause is fixed.',
    );
  });

  it('error with a known code uses the mapped words (rate limited)', async () => {
    renderRow(
      { pollIntervalMs: 0 },
      { status: statusReport({ syncing: true, queue: { pending: 12, failed: 0, held: 0 }, lastError: lastError('HUBSPOT_RATE_LIMITED', { status: 429, hubspotCategory: 'RATE_LIMITS' }, true) }) },
    );
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/^HubSpot is limiting how fast JobCannon may send data, so syncing is behind\. Nothing is lost/);
    // Error wins over syncing: busy but broken must not look fine.
    expect(getPill().dataset.state).toBe('error');
  });

  it('a lastError whose fix is reconnecting offers Reconnect HubSpot next to Resync', async () => {
    renderRow({}, { status: statusReport({ lastError: lastError('MISSING_SCOPES') }) });
    const reconnect = await screen.findByRole('button', { name: 'Reconnect HubSpot' });
    expect(reconnect.dataset.variant).toBe('primary');
    expect(screen.getByRole('button', { name: 'Resync properties' }).dataset.variant).toBe('secondary');
  });

  it('bootstrap with missing properties: names them and points at Resync properties', async () => {
    renderRow({}, { status: statusReport({ bootstrap: { ok: false, missing: ['jc_disc_d', 'jc_iq_score'], drift: [], checkedAt: '2026-05-04T11:00:00Z', created: [], groupCreated: false } }) });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('2 JobCannon properties are missing in HubSpot: jc_disc_d, jc_iq_score.');
    expect(alert.textContent).toContain('Click Resync properties');
    expect(getPill().dataset.state).toBe('error');
    expect(screen.getByRole('button', { name: 'Resync properties' }).dataset.variant).toBe('primary');
  });

  it('drift that makes HubSpot refuse values (warning): names the property and what to change back, never "delete"', async () => {
    const drift = [
      { name: 'jc_iq_score', field: 'type', expected: 'number', actual: 'string', severity: 'warning' as const },
      // One property, three fields: still one property.
      { name: 'jc_iq_score', field: 'fieldType', expected: 'number', actual: 'text', severity: 'warning' as const },
      { name: 'jc_iq_score', field: 'label', expected: 'JC IQ Score', actual: 'IQ', severity: 'info' as const },
    ];
    renderRow({}, { status: statusReport({ bootstrap: bootstrapReport({ ok: false, drift }) }) });
    const alert = await screen.findByRole('alert');
    expect(alert.querySelector('p')!.textContent).toBe(
      '1 JobCannon property was changed in HubSpot, so some values are refused: jc_iq_score (its type is "string"; JobCannon needs "number"), jc_iq_score (its fieldType is "text"; JobCannon needs "number"). Change them back in HubSpot (Settings → Properties) as shown; Resync never overwrites an existing property.',
    );
    expect(alert.textContent).not.toMatch(/delete/i);
    // The label change on the same property is not listed apart as information.
    expect(screen.queryByText(/different label or description/)).toBeNull();
    expect(getPill().dataset.state).toBe('error');
  });

  it('label or description only (info): a neutral information line, never red, never "delete"', async () => {
    const drift = [
      { name: 'jc_disc_d', field: 'label', expected: 'JC DISC — Dominance', actual: 'Dominance', severity: 'info' as const },
      { name: 'jc_disc_d', field: 'description', expected: 'x', actual: 'y', severity: 'info' as const },
      { name: 'jc_disc_i', field: 'label', expected: 'JC DISC — Influence', actual: 'Influence', severity: 'info' as const },
    ];
    renderRow({}, { status: statusReport({ bootstrap: bootstrapReport({ drift }) }) });
    const line = await screen.findByText('2 JobCannon properties have a different label or description in HubSpot (jc_disc_d, jc_disc_i). Nothing to fix: results are still sent.');
    expect(line.closest('.jc-hs__note')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(document.body.textContent).not.toMatch(/delete them/i);
    expect(getPill().dataset.state).toBe('connected');
  });

  it('failed results turn the pill to Error and offer "View N failed"', async () => {
    renderRow({}, { status: statusReport({ queue: { pending: 0, failed: 2, held: 0 } }) });
    const view = await screen.findByRole('button', { name: 'View 2 failed' });
    expect(view.getAttribute('aria-expanded')).toBe('false');
    expect(view.dataset.variant).toBe('primary');
    expect(screen.getByRole('alert').textContent).toBe('2 results could not be sent to HubSpot. Click View 2 failed to see why.');
    expect(getPill().dataset.state).toBe('error');
  });

  it('survives StrictMode (effects mounted twice): the stale first load is dropped', async () => {
    // The first load answers last (slowly, and stale): it must not overwrite the second.
    let calls = 0;
    const fake = createFakeFetch({
      'GET /status': () => (++calls === 1 ? new Promise((resolve) => setTimeout(() => resolve({ body: notConnectedReport() }), 30)) : { body: statusReport() }),
    });
    render(
      <StrictMode>
        <HubSpotIntegrationRow baseUrl={BASE_URL} fetch={fake.fetch} search="" />
      </StrictMode>,
    );
    await waitFor(() => expect(getPill().textContent).toBe('HubSpot status: Connected'));
    expect(fake.calls('GET /status')).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(getPill().textContent).toBe('HubSpot status: Connected');
    expect(screen.queryByRole('button', { name: 'Connect HubSpot' })).toBeNull();
  });

  it('the pill is a polite live region so status changes are announced', async () => {
    renderRow();
    await waitFor(() => expect(getPill().textContent).toBe('HubSpot status: Connected'));
    expect(getPill().getAttribute('aria-live')).toBe('polite');
    expect(within(getRoot()).getByRole('status', { hidden: false }).getAttribute('aria-live')).toBe('polite');
  });
});

describe('polling while syncing', () => {
  const syncing = (pending: number) => ({ body: statusReport({ syncing: pending > 0, queue: { pending, failed: 0, held: 0 } }) });

  it('re-reads the status every interval while syncing and stops when it is done', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fake = createFakeFetch();
    fake.sequence('GET /status', [syncing(5), syncing(2), syncing(0)]);
    renderRow({}, { fake, fakeTimers: true });
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(getPill().textContent).toBe('HubSpot status: Syncing');
    expect(screen.getByText('Pending').nextElementSibling!.textContent).toBe('5');
    expect(fake.calls('GET /status')).toHaveLength(1);

    await act(() => vi.advanceTimersByTimeAsync(4999));
    expect(fake.calls('GET /status')).toHaveLength(1);
    await act(() => vi.advanceTimersByTimeAsync(1));
    expect(fake.calls('GET /status')).toHaveLength(2);
    expect(screen.getByText('Pending').nextElementSibling!.textContent).toBe('2');

    await act(() => vi.advanceTimersByTimeAsync(5000));
    expect(fake.calls('GET /status')).toHaveLength(3);
    expect(getPill().textContent).toBe('HubSpot status: Connected');

    // Not syncing any more: back to the slow idle re-read (30 s), not the 5 s syncing pace.
    await act(() => vi.advanceTimersByTimeAsync(29_999));
    expect(fake.calls('GET /status')).toHaveLength(3);
    await act(() => vi.advanceTimersByTimeAsync(1));
    expect(fake.calls('GET /status')).toHaveLength(4);
  });

  it('re-reads the status when the page becomes visible again', async () => {
    const fake = createFakeFetch({ 'GET /status': { body: statusReport() } });
    renderRow({ idlePollIntervalMs: 0 }, { fake });
    await waitFor(() => expect(fake.calls('GET /status')).toHaveLength(1));
    document.dispatchEvent(new Event('visibilitychange'));
    await waitFor(() => expect(fake.calls('GET /status')).toHaveLength(2));
  });

  it('honours pollIntervalMs and stops when unmounted', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fake = createFakeFetch({ 'GET /status': syncing(7) });
    const { unmount } = renderRow({ pollIntervalMs: 1000 }, { fake, fakeTimers: true });
    await act(() => vi.advanceTimersByTimeAsync(0));
    // One interval at a time: the next poll is armed only once the previous answer is in.
    for (let poll = 0; poll < 3; poll += 1) await act(() => vi.advanceTimersByTimeAsync(1000));
    expect(fake.calls('GET /status')).toHaveLength(4);
    unmount();
    await act(() => vi.advanceTimersByTimeAsync(10_000));
    expect(fake.calls('GET /status')).toHaveLength(4);
  });

  it('keeps polling after a failed poll (a blip must not freeze the row)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fake = createFakeFetch();
    fake.sequence('GET /status', [syncing(3), new TypeError('Failed to fetch'), syncing(0)]);
    renderRow({}, { fake, fakeTimers: true });
    await act(() => vi.advanceTimersByTimeAsync(0));
    await act(() => vi.advanceTimersByTimeAsync(5000));
    expect(screen.getByRole('alert').textContent).toContain('Could not load the HubSpot status.');
    // The last good status stays on screen meanwhile.
    expect(getPill().textContent).toBe('HubSpot status: Syncing');
    await act(() => vi.advanceTimersByTimeAsync(5000));
    expect(fake.calls('GET /status')).toHaveLength(3);
    expect(getPill().textContent).toBe('HubSpot status: Connected');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
