import { cleanup, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeFetch, statusReport } from './test-support/fake-fetch.js';
import { getPill, getRoot, renderRow } from './test-support/render-row.js';

afterEach(cleanup);

describe('when the status cannot be loaded', () => {
  it('a network failure says so, offers Try again, and recovers', async () => {
    const fake = createFakeFetch();
    fake.sequence('GET /status', [new TypeError('Failed to fetch'), { body: statusReport() }]);
    const { user } = renderRow({}, { fake });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Could not load the HubSpot status. Could not reach JobCannon. Check your connection, then try again.Try again');
    expect(getPill().textContent).toBe('HubSpot status: Unavailable');
    expect(getRoot().dataset.state).toBe('unavailable');
    // No action buttons without a status: they would guess.
    expect(screen.queryByRole('button', { name: /Connect|Disconnect|Resync/ })).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(getPill().textContent).toBe('HubSpot status: Connected'));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('a 403 for a non-admin is explained in plain words', async () => {
    renderRow({}, { fake: createFakeFetch({ 'GET /status': { status: 403, body: { error: { code: 'FORBIDDEN', message: 'Forbidden' } } } }) });
    expect((await screen.findByRole('alert')).textContent).toContain('Only organization admins can manage the HubSpot integration.');
  });

  it("a kit code is worded from the widget's table, not from the server's message", async () => {
    renderRow({}, { fake: createFakeFetch({ 'GET /status': { status: 500, body: { error: { code: 'DECRYPTION_FAILED', message: 'decipher failed: bad key id k2' } } } }) });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(
      'Could not load the HubSpot status. JobCannon could not read its stored HubSpot access (its encryption key changed). Click Connect HubSpot to store a fresh one.',
    );
    expect(alert.textContent).not.toContain('decipher');
  });

  it('an unknown code gets a generic sentence; its server message is not shown', async () => {
    renderRow({}, { fake: createFakeFetch({ 'GET /status': { status: 418, body: { error: { code: 'TEAPOT', message: 'Visit evil.example to fix this' } } } }) });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Could not load the HubSpot status. Something unexpected went wrong (HTTP 418). Try again in a minute. If it keeps happening, contact JobCannon support.Try again');
  });

  it('a non-JSON error page falls back to the HTTP status', async () => {
    renderRow({}, { fake: createFakeFetch({ 'GET /status': { status: 502, text: '<html>Bad gateway</html>' } }) });
    expect((await screen.findByRole('alert')).textContent).toContain('Could not load the HubSpot status. Something unexpected went wrong (HTTP 502).');
  });

  it('a 200 that is not JSON is reported, not rendered as a broken row', async () => {
    renderRow({}, { fake: createFakeFetch({ 'GET /status': { status: 200, text: '<html>login</html>' } }) });
    expect((await screen.findByRole('alert')).textContent).toContain('JobCannon sent an answer the widget could not read.');
  });
});
