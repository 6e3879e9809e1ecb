import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeFetch, failureItem, statusReport, type RecordedRequest } from './test-support/fake-fetch.js';
import { renderRow } from './test-support/render-row.js';
import type { FailureItem } from './types.js';

afterEach(cleanup);

/** A result that ran out of retries on timeouts: Retry can help. */
const failure = (n: number): FailureItem =>
  failureItem(n, { code: 'RETRIES_EXHAUSTED', details: { lastCode: 'HUBSPOT_TIMEOUT' }, retryable: true, attempts: 6 });
const EXHAUSTED = 'JobCannon stopped retrying this result after repeated failures. The last one: HubSpot took too long to answer. Retry it once the cause is fixed.';

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

function setup(count: number, pageSize = 2, make: (n: number) => FailureItem = failure) {
  const all = Array.from({ length: count }, (_, i) => make(i + 1));
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

    const drawer = screen.getByRole('dialog', { name: /^Failed results/ });
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(toggle.getAttribute('aria-controls')).toBe(drawer.id);
    await waitFor(() => expect(document.activeElement).toBe(within(drawer).getByRole('heading', { name: /^Failed results/ })));

    const rows = await within(drawer).findAllByRole('row');
    expect(rows.map((row) => row.textContent)).toEqual([
      'CandidateReasonFailedAction',
      `candidate1@example.com inv_1${EXHAUSTED} RETRIES_EXHAUSTED2 hours agoRetryDismiss`,
      `candidate2@example.com inv_2${EXHAUSTED} RETRIES_EXHAUSTED2 hours agoRetryDismiss`,
    ]);
    // The same count as the button and the banner.
    expect(within(drawer).getByRole('heading').textContent).toBe('Failed results (2)');
    expect(within(drawer).getByText('Showing 2 of 2.')).toBeTruthy();
    expect(within(drawer).queryByRole('button', { name: 'Load more' })).toBeNull();
    const [request] = fake.calls('GET /failures');
    expect(request!.query.get('limit')).toBe('2');
    expect(request!.query.has('cursor')).toBe(false);
  });

  it('pages with Load more using the cursor, appending rows', async () => {
    const { fake, user } = setup(5);
    await user.click(await screen.findByRole('button', { name: 'View 5 failed' }));
    const drawer = screen.getByRole('dialog', { name: /^Failed results/ });
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
    const drawer = screen.getByRole('dialog', { name: /^Failed results/ });
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
    const drawer = screen.getByRole('dialog', { name: /^Failed results/ });
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
    await within(screen.getByRole('dialog', { name: /^Failed results/ })).findByText('Showing 1 of 1.');
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog', { name: /^Failed results/ })).toBeNull();
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await waitFor(() => expect(document.activeElement).toBe(toggle));
  });

  it('Close and the toggle both close it', async () => {
    const { user } = setup(1);
    const toggle = await screen.findByRole('button', { name: 'View 1 failed' });
    await user.click(toggle);
    await user.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog', { name: /^Failed results/ })).toBeNull();
    await user.click(toggle);
    expect(screen.getByRole('dialog', { name: /^Failed results/ })).toBeTruthy();
    await user.click(toggle);
    expect(screen.queryByRole('dialog', { name: /^Failed results/ })).toBeNull();
  });

  it('a failed list load is shown as an error', async () => {
    const { fake, user } = setup(2);
    fake.on('GET /failures', { status: 500, body: { error: { code: 'INTERNAL', message: 'database unavailable' } } });
    await user.click(await screen.findByRole('button', { name: 'View 2 failed' }));
    // The row's own "2 results could not be sent" banner is an alert too.
    const alerts = await screen.findAllByRole('alert');
    const wording = 'Could not load failed results. Something went wrong in JobCannon. Try again in a minute. If it keeps happening, contact JobCannon support.';
    await waitFor(() => expect(screen.getAllByRole('alert').map((a) => a.textContent)).toContain(wording));
    // The server's own text is for its logs, not for the admin.
    expect(document.body.textContent).not.toContain('database unavailable');
    expect(alerts.length).toBeGreaterThan(0);
    const drawer = screen.getByRole('dialog', { name: /^Failed results/ });
    expect(within(drawer).getByText(/The list could not be loaded/)).toBeTruthy();

    fake.on('GET /failures', failuresRoute([failure(1), failure(2)]));
    await user.click(within(drawer).getByRole('button', { name: 'Try again' }));
    expect(await within(drawer).findByText('Showing 2 of 2.')).toBeTruthy();
    expect(screen.getAllByRole('alert').map((a) => a.textContent)).not.toContain(wording);
  });

  it('a failed retry keeps the row and says why', async () => {
    const { fake, user } = setup(1);
    fake.on('POST /failures/retry', { status: 403, body: { error: { code: 'CROSS_SITE_REQUEST', message: 'refused' } } });
    await user.click(await screen.findByRole('button', { name: 'View 1 failed' }));
    const drawer = screen.getByRole('dialog', { name: /^Failed results/ });
    await user.click(await within(drawer).findByRole('button', { name: 'Retry candidate1@example.com' }));
    const alerts = await screen.findAllByRole('alert');
    expect(alerts.map((a) => a.textContent)).toContain('Retry failed. The request was refused because it did not come from this page. Reload the page and try again.');
    expect(within(drawer).getByText('candidate1@example.com')).toBeTruthy();
  });

  it('words each failure from its code and details, and offers Retry only where a retry can help', async () => {
    const items: FailureItem[] = [
      failureItem(1, { email: 'ann@example.con', details: { email: 'ann@example.con' } }),
      failureItem(2, { code: 'INVALID_INVITE', details: { field: 'scores.iq', value: 190 } }),
      failure(3),
    ];
    const { user } = setup(3, 10, (n) => items[n - 1]!);
    await user.click(await screen.findByRole('button', { name: 'View 3 failed' }));
    const drawer = screen.getByRole('dialog', { name: /^Failed results/ });
    const [, ann, invalid, exhausted] = await within(drawer).findAllByRole('row');

    expect(ann!.textContent).toContain('HubSpot refused the email address ann@example.con. Correct it in JobCannon and the result is sent again.');
    expect(invalid!.textContent).toContain("JobCannon could not send this result: the invite's scores.iq is not valid (190). Correct it in JobCannon and the result is sent again.");
    // No Retry where it cannot help: Dismiss is the only button there.
    expect(within(ann!).getAllByRole('button').map((b) => b.getAttribute('aria-label'))).toEqual(['Dismiss ann@example.con']);
    expect(within(invalid!).getAllByRole('button').map((b) => b.getAttribute('aria-label'))).toEqual(['Dismiss candidate2@example.com']);
    expect(within(exhausted!).getAllByRole('button').map((b) => b.getAttribute('aria-label'))).toEqual(['Retry candidate3@example.com', 'Dismiss candidate3@example.com']);
    // One retryable result is enough for Retry all (the server decides which rows it re-queues).
    expect(within(drawer).getByRole('button', { name: 'Retry all' })).toBeTruthy();
  });

  it('offers no Retry at all when nothing listed can succeed by retrying', async () => {
    const { user } = setup(2, 10, (n) => failureItem(n));
    await user.click(await screen.findByRole('button', { name: 'View 2 failed' }));
    const drawer = screen.getByRole('dialog', { name: /^Failed results/ });
    await within(drawer).findByText('Showing 2 of 2.');
    expect(within(drawer).queryByRole('button', { name: /Retry/ })).toBeNull();
    expect(within(drawer).getByRole('button', { name: 'Close' })).toBeTruthy();
  });

  it("shows HubSpot's own words only as a short secondary line, never its JSON", async () => {
    const raw = 'Property values were not valid: [{"isValid":false,"message":"ann@example.con is not a valid email","error":"INVALID_EMAIL","name":"email"}]';
    const { user } = setup(1, 10, (n) => failureItem(n, { details: { email: 'ann@example.con', hubspotMessage: raw, hubspotCategory: 'VALIDATION_ERROR' } }));
    await user.click(await screen.findByRole('button', { name: 'View 1 failed' }));
    const drawer = screen.getByRole('dialog', { name: /^Failed results/ });
    const said = await within(drawer).findByText('HubSpot said: Property values were not valid');
    expect(said.className).toBe('jc-hs__said');
    expect(drawer.textContent).not.toMatch(/[{}[\]]|isValid|VALIDATION_ERROR/);
  });

  it('a code this widget does not know gets a generic sentence and is not echoed', async () => {
    const odd = { ...failureItem(1), code: 'SOMETHING_FROM_A_NEWER_CORE', details: { hubspotMessage: '<b>injected</b>' } } as unknown as FailureItem;
    const { user } = setup(1, 10, () => odd);
    await user.click(await screen.findByRole('button', { name: 'View 1 failed' }));
    const drawer = screen.getByRole('dialog', { name: /^Failed results/ });
    const [, row] = await within(drawer).findAllByRole('row');
    expect(row!.textContent).toContain('Something unexpected went wrong. Try again in a minute.');
    expect(drawer.textContent).not.toContain('SOMETHING_FROM_A_NEWER_CORE');
    expect(drawer.textContent).not.toContain('injected');
  });

  it('Dismiss on one row POSTs its id, takes it off the list, says so, and refreshes the status', async () => {
    const { fake, user } = setup(2, 10, (n) => failureItem(n, n === 1 ? { id: 'invalid-7' } : {}));
    fake.on('POST /failures/dismiss', { body: { dismissed: 1 } });
    await user.click(await screen.findByRole('button', { name: 'View 2 failed' }));
    const drawer = screen.getByRole('dialog', { name: /^Failed results/ });
    const statusReads = fake.calls('GET /status').length;
    await user.click(await within(drawer).findByRole('button', { name: 'Dismiss candidate1@example.com' }));
    await screen.findByText('Took 1 result off the list.');
    expect(fake.calls('POST /failures/dismiss').map((r) => r.body)).toEqual([{ ids: ['invalid-7'] }]);
    expect(within(drawer).queryByText(/candidate1@example\.com/)).toBeNull();
    expect(within(drawer).getByText('Showing 1 of 1.')).toBeTruthy();
    expect(fake.calls('GET /status').length).toBeGreaterThan(statusReads);
  });

  it('members read the list but get no Retry, Dismiss or Retry all', async () => {
    const all = [failure(1), failureItem(2)];
    const fake = createFakeFetch({
      'GET /status': { body: statusReport({ queue: { pending: 0, failed: 2, held: 0 }, permissions: { manage: false } }) },
      'GET /failures': failuresRoute(all),
    });
    const { user } = renderRow({}, { fake });
    await user.click(await screen.findByRole('button', { name: 'View 2 failed' }));
    const drawer = screen.getByRole('dialog', { name: /^Failed results/ });
    await within(drawer).findByText('Showing 2 of 2.');
    expect(within(drawer).getAllByRole('button').map((b) => b.textContent)).toEqual(['Close']);
    expect(within(drawer).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Candidate', 'Reason', 'Failed']);
  });

  it('keeps Tab and Shift+Tab inside the drawer (a focus trap) and puts every button in reach', async () => {
    const { user } = setup(1, 10);
    await user.click(await screen.findByRole('button', { name: 'View 1 failed' }));
    const drawer = screen.getByRole('dialog', { name: /^Failed results/ });
    expect(drawer.getAttribute('aria-modal')).toBe('true');
    await within(drawer).findByText('Showing 1 of 1.');
    const buttons = within(drawer).getAllByRole('button');
    expect(buttons.map((b) => b.textContent)).toEqual(['Retry', 'Dismiss', 'Retry all', 'Close']);
    const reached: string[] = [];
    for (let i = 0; i < buttons.length + 1; i++) {
      await user.tab();
      reached.push(document.activeElement?.textContent ?? '');
    }
    // Past Close, focus wraps to the first control instead of leaving the drawer.
    expect(reached).toEqual(['Retry', 'Dismiss', 'Retry all', 'Close', 'Retry']);
    await user.tab({ shift: true });
    expect(document.activeElement?.textContent).toBe('Close');
  });

  it('starts from the status count before the list answers, so the banner, the button and the drawer agree', async () => {
    const fake = createFakeFetch({
      'GET /status': { body: statusReport({ queue: { pending: 0, failed: 4, held: 0 } }) },
      'GET /failures': () => new Promise(() => undefined),
    });
    const { user } = renderRow({}, { fake });
    await user.click(await screen.findByRole('button', { name: 'View 4 failed' }));
    expect(screen.getByRole('dialog', { name: 'Failed results (4)' })).toBeTruthy();
    expect(screen.getByText('4 results could not be sent to HubSpot.')).toBeTruthy();
  });

  it('re-reads the status when the list disagrees with it (one count everywhere)', async () => {
    const all = [failure(1), failure(2), failure(3)];
    const fake = createFakeFetch({ 'GET /failures': failuresRoute(all) });
    fake.sequence('GET /status', [
      { body: statusReport({ queue: { pending: 0, failed: 5, held: 0 } }) },
      { body: statusReport({ queue: { pending: 0, failed: 3, held: 0 } }) },
    ]);
    const { user } = renderRow({ failuresPageSize: 10 }, { fake });
    // The status said 5; the list says 3: the status is re-read, and every count says 3.
    await user.click(await screen.findByRole('button', { name: 'View 5 failed' }));
    await screen.findByRole('button', { name: 'View 3 failed' });
    expect(screen.getByRole('dialog', { name: 'Failed results (3)' })).toBeTruthy();
    expect(screen.getByText('3 results could not be sent to HubSpot.')).toBeTruthy();
  });
});
