import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeFetch, statusReport, type RecordedRequest } from './test-support/fake-fetch.js';
import { renderRow } from './test-support/render-row.js';
import type { FailureItem } from './types.js';

afterEach(cleanup);

const failure = (n: number): FailureItem => ({
  id: `f${n}`,
  inviteId: `inv_${n}`,
  email: `candidate${n}@example.com`,
  reason: 'HubSpot rejected the email address',
  errorCode: 'INVALID_EMAIL',
  attempts: 6,
  failedAt: '2026-05-04T10:00:00.000Z',
});

/** A failures endpoint with `total` rows served `limit` at a time, cursor = next index. */
function failuresRoute(all: FailureItem[]) {
  return (request: RecordedRequest) => {
    const limit = Number(request.query.get('limit'));
    const start = Number(request.query.get('cursor') ?? 0);
    const items = all.slice(start, start + limit);
    const next = start + limit < all.length ? String(start + limit) : null;
    return { body: { items, total: all.length, nextCursor: next } };
  };
}

function setup(count: number, pageSize = 2) {
  const all = Array.from({ length: count }, (_, i) => failure(i + 1));
  const fake = createFakeFetch({
    'GET /status': { body: statusReport({ queue: { pending: 0, failed: count, held: 0 } }) },
    'GET /failures': failuresRoute(all),
  });
  return { all, ...renderRow({ failuresPageSize: pageSize }, { fake }) };
}

describe('failures drawer', () => {
  it('opens as a labelled region, moves focus to it, and lists each failed result', async () => {
    const { fake, user } = setup(2);
    const toggle = await screen.findByRole('button', { name: 'View 2 failed' });
    await user.click(toggle);

    const drawer = screen.getByRole('region', { name: 'Failed results' });
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(toggle.getAttribute('aria-controls')).toBe(drawer.id);
    await waitFor(() => expect(document.activeElement).toBe(within(drawer).getByRole('heading', { name: 'Failed results' })));

    const rows = await within(drawer).findAllByRole('row');
    expect(rows.map((row) => row.textContent)).toEqual([
      'EmailInviteReasonAttemptsFailedAction',
      'candidate1@example.cominv_1HubSpot rejected the email address INVALID_EMAIL62 hours agoRetry',
      'candidate2@example.cominv_2HubSpot rejected the email address INVALID_EMAIL62 hours agoRetry',
    ]);
    expect(within(drawer).getByText('Showing 2 of 2.')).toBeTruthy();
    expect(within(drawer).queryByRole('button', { name: 'Load more' })).toBeNull();
    const [request] = fake.calls('GET /failures');
    expect(request!.query.get('limit')).toBe('2');
    expect(request!.query.has('cursor')).toBe(false);
  });

  it('pages with Load more using the cursor, appending rows', async () => {
    const { fake, user } = setup(5);
    await user.click(await screen.findByRole('button', { name: 'View 5 failed' }));
    const drawer = screen.getByRole('region', { name: 'Failed results' });
    await within(drawer).findByText('Showing 2 of 5.');

    await user.click(within(drawer).getByRole('button', { name: 'Load more' }));
    await within(drawer).findByText('Showing 4 of 5.');
    await user.click(within(drawer).getByRole('button', { name: 'Load more' }));
    await within(drawer).findByText('Showing 5 of 5.');

    expect(fake.calls('GET /failures').map((request) => request.query.get('cursor'))).toEqual([null, '2', '4']);
    expect(within(drawer).getAllByRole('button', { name: /^Retry candidate/ }).map((button) => button.getAttribute('aria-label'))).toEqual(
      [1, 2, 3, 4, 5].map((n) => `Retry candidate${n}@example.com`),
    );
    expect(within(drawer).queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('Retry on one row POSTs its id, removes it, says so, and refreshes the status', async () => {
    const { fake, user } = setup(3, 10);
    fake.on('POST /failures/retry', { body: { retried: 1 } });
    await user.click(await screen.findByRole('button', { name: 'View 3 failed' }));
    const drawer = screen.getByRole('region', { name: 'Failed results' });
    fake.on('GET /status', { body: statusReport({ queue: { pending: 1, failed: 2, held: 0 }, syncing: true }) });

    await user.click(await within(drawer).findByRole('button', { name: 'Retry candidate2@example.com' }));
    expect(await screen.findByText('Sent 1 result back to the queue.')).toBeTruthy();
    const [post] = fake.calls('POST /failures/retry');
    expect(post!.body).toEqual({ ids: ['f2'] });
    expect(post!.headers['x-requested-with']).toBe('jobcannon-hubspot-widget');
    expect(within(drawer).queryByText('candidate2@example.com')).toBeNull();
    expect(within(drawer).getByText('Showing 2 of 2.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'View 2 failed' })).toBeTruthy();
    expect(fake.calls('GET /status')).toHaveLength(2);
    // The focused button left with its row: focus goes to the drawer heading, not to <body>.
    await waitFor(() => expect(document.activeElement).toBe(within(drawer).getByRole('heading')));
  });

  it('Retry all POSTs without ids and empties the list', async () => {
    const { fake, user } = setup(3, 2);
    fake.on('POST /failures/retry', { body: { retried: 3 } });
    await user.click(await screen.findByRole('button', { name: 'View 3 failed' }));
    const drawer = screen.getByRole('region', { name: 'Failed results' });
    await within(drawer).findByText('Showing 2 of 3.');
    fake.on('GET /status', { body: statusReport({ queue: { pending: 3, failed: 0, held: 0 } }) });

    await user.click(within(drawer).getByRole('button', { name: 'Retry all' }));
    expect(await screen.findByText('Sent 3 results back to the queue.')).toBeTruthy();
    expect(fake.calls('POST /failures/retry')[0]!.body).toEqual({});
    expect(within(drawer).getByText('No failed results.')).toBeTruthy();
    expect(within(drawer).queryByRole('table')).toBeNull();
    // The toggle stays while the drawer is open, so focus has somewhere to return to.
    expect(screen.getByRole('button', { name: 'View 0 failed' })).toBeTruthy();
  });

  it('Escape closes the drawer and returns focus to its toggle', async () => {
    const { user } = setup(1);
    const toggle = await screen.findByRole('button', { name: 'View 1 failed' });
    await user.click(toggle);
    await within(screen.getByRole('region', { name: 'Failed results' })).findByText('Showing 1 of 1.');
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('region', { name: 'Failed results' })).toBeNull();
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await waitFor(() => expect(document.activeElement).toBe(toggle));
  });

  it('Close and the toggle both close it', async () => {
    const { user } = setup(1);
    const toggle = await screen.findByRole('button', { name: 'View 1 failed' });
    await user.click(toggle);
    await user.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('region', { name: 'Failed results' })).toBeNull();
    await user.click(toggle);
    expect(screen.getByRole('region', { name: 'Failed results' })).toBeTruthy();
    await user.click(toggle);
    expect(screen.queryByRole('region', { name: 'Failed results' })).toBeNull();
  });

  it('a failed list load is shown as an error', async () => {
    const { fake, user } = setup(2);
    fake.on('GET /failures', { status: 500, body: { error: { code: 'INTERNAL', message: 'database unavailable' } } });
    await user.click(await screen.findByRole('button', { name: 'View 2 failed' }));
    // The row's own "2 results could not be sent" banner is an alert too.
    const alerts = await screen.findAllByRole('alert');
    await waitFor(() => expect(screen.getAllByRole('alert').map((a) => a.textContent)).toContain('Could not load failed results. database unavailable'));
    expect(alerts.length).toBeGreaterThan(0);
    const drawer = screen.getByRole('region', { name: 'Failed results' });
    expect(within(drawer).getByText(/The list could not be loaded/)).toBeTruthy();

    fake.on('GET /failures', failuresRoute([failure(1), failure(2)]));
    await user.click(within(drawer).getByRole('button', { name: 'Try again' }));
    expect(await within(drawer).findByText('Showing 2 of 2.')).toBeTruthy();
    expect(screen.getAllByRole('alert').map((a) => a.textContent)).not.toContain('Could not load failed results. database unavailable');
  });

  it('a failed retry keeps the row and says why', async () => {
    const { fake, user } = setup(1);
    fake.on('POST /failures/retry', { status: 403, body: { error: { code: 'CROSS_SITE_REQUEST', message: 'refused' } } });
    await user.click(await screen.findByRole('button', { name: 'View 1 failed' }));
    const drawer = screen.getByRole('region', { name: 'Failed results' });
    await user.click(await within(drawer).findByRole('button', { name: 'Retry candidate1@example.com' }));
    const alerts = await screen.findAllByRole('alert');
    expect(alerts.map((a) => a.textContent)).toContain('Retry failed. The request was refused because it did not come from this page. Reload the page and try again.');
    expect(within(drawer).getByText('candidate1@example.com')).toBeTruthy();
  });
});
