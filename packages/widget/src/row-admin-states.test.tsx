import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapReport, createFakeFetch, lastError, NOW, notConnectedReport, statusReport } from './test-support/fake-fetch.js';
import { getPill, renderRow } from './test-support/render-row.js';
import type { BackfillStatus } from './types.js';

afterEach(cleanup);

const buttons = () => screen.queryAllByRole('button').map((button) => button.textContent);
const backfill = (overrides: Partial<BackfillStatus> = {}): BackfillStatus => ({
  state: 'offered',
  total: 4213,
  enqueued: 0,
  pushed: 0,
  failed: 0,
  pending: 0,
  ratePerSecond: null,
  etaAt: null,
  startedAt: null,
  finishedAt: null,
  ...overrides,
});

describe('what the admin sees (issue 15)', () => {
  it('before connecting: what JobCannon writes and what each of the five scopes is for', async () => {
    renderRow({}, { status: notConnectedReport() });
    await screen.findByRole('button', { name: 'Connect HubSpot' });
    expect(screen.getByText(/one property group, "JobCannon Assessments", with 17 contact properties/)).toBeTruthy();
    const scopes = screen.getAllByRole('listitem').map((item) => item.textContent);
    expect(scopes).toEqual([
      'oauth: keep the connection working without asking you again',
      'crm.objects.contacts.read: find the contact that has the candidate’s email',
      'crm.objects.contacts.write: write the results to that contact, or create it',
      'crm.schemas.contacts.read: check that the 17 JobCannon properties are in place',
      'crm.schemas.contacts.write: create the property group and the properties',
    ]);
  });

  it('members see no admin-only control and no advice they cannot follow', async () => {
    renderRow({}, { status: statusReport({ permissions: { manage: false }, lastError: lastError('MUST_RECONNECT'), status: 'must_reconnect', queue: { pending: 0, failed: 2, held: 0 } }) });
    const alert = (await screen.findAllByRole('alert'))[0]!;
    expect(alert.textContent).toContain('Ask an admin of your organization to reconnect HubSpot.');
    expect(alert.textContent).not.toMatch(/Click Reconnect/);
    expect(buttons()).toEqual(['View 2 failed']);
    cleanup();
    renderRow({}, { status: { ...notConnectedReport(), permissions: { manage: false } } });
    await screen.findByText(/Ask an admin of your organization to connect HubSpot\./);
    expect(buttons()).toEqual([]);
  });

  it('while the setup runs: "Setting up HubSpot… (n of 17 properties)", Syncing, no red banner; polls fast', async () => {
    const fake = createFakeFetch();
    fake.sequence('GET /status', [
      { body: statusReport({ setup: { state: 'running', done: 5, total: 17 }, bootstrap: bootstrapReport({ ok: false, missing: ['jc_iq_score'] }) }) },
      { body: statusReport({ setup: { state: 'done', done: 17, total: 17 }, bootstrap: bootstrapReport({ created: Array.from({ length: 17 }, (_, i) => `p${i}`), groupCreated: true }) }) },
    ]);
    renderRow({ search: '?hubspot=connected', pollIntervalMs: 20, idlePollIntervalMs: 0 }, { fake });
    expect(await screen.findByText('Setting up HubSpot… (5 of 17 properties)')).toBeTruthy();
    expect(getPill().dataset.state).toBe('syncing');
    expect(screen.queryByRole('alert')).toBeNull();
    // Then what was created, in the green banner of the connect.
    expect(await screen.findByText('Created the JobCannon Assessments property group and 17 properties.')).toBeTruthy();
    expect(screen.getByText('HubSpot connected to acme.hubspot.com.').closest('[data-tone]')!.getAttribute('data-tone')).toBe('success');
  });

  it('a failed setup: one actionable error with Resync, never beside the green banner', async () => {
    renderRow(
      { search: '?hubspot=connected' },
      { status: statusReport({ setup: { state: 'failed', done: 3, total: 17 }, lastError: lastError('BOOTSTRAP_FAILED'), bootstrap: bootstrapReport({ ok: false, missing: ['jc_a', 'jc_b'] }) }) },
    );
    const alerts = await screen.findAllByRole('alert');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.textContent).toMatch(/^JobCannon could not set up its properties in your HubSpot portal\. Click Resync properties\./);
    expect(screen.queryByText(/HubSpot connected to/)).toBeNull();
    expect(screen.getByRole('button', { name: 'Resync properties' }).dataset.variant).toBe('primary');
  });

  it('after connecting: contacts synced, the last pushes with View in HubSpot links, the property group, the error time', async () => {
    renderRow(
      {},
      {
        status: statusReport({
          contactsSynced: 1234,
          recentPushes: [
            { inviteId: 'inv_1', email: 'ada@example.com', outcome: 'created', contactId: '101', contactUrl: 'https://app.hubspot.com/contacts/1001/record/0-1/101', at: '2026-05-04T11:59:00.000Z' },
            { inviteId: 'inv_2', email: 'bob@example.com', outcome: 'updated', contactId: null, contactUrl: 'javascript:alert(1)', at: '2026-05-04T11:50:00.000Z' },
          ],
          links: { propertyGroup: 'https://app.hubspot.com/property-settings/1001/properties?type=0-1&group=jobcannon_assessments' },
          lastError: lastError('HUBSPOT_RATE_LIMITED', {}, true),
        }),
      },
    );
    await screen.findByText('Contacts synced');
    expect(screen.getByText('Contacts synced').nextElementSibling!.textContent).toBe('1,234');
    const link = screen.getByRole('link', { name: 'View in HubSpot: ada@example.com' });
    expect(link.getAttribute('href')).toBe('https://app.hubspot.com/contacts/1001/record/0-1/101');
    expect(link.getAttribute('rel')).toBe('noopener noreferrer');
    // Never a javascript: URL.
    expect(screen.queryByRole('link', { name: 'View in HubSpot: bob@example.com' })).toBeNull();
    expect(screen.getByRole('link', { name: 'JobCannon properties in HubSpot' }).getAttribute('href')).toMatch(/group=jobcannon_assessments$/);
    expect(screen.getByText('Recent activity (2)')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('Last seen 2 minutes ago');
  });

  it('Sync now (admins): POSTs /sync and says how many results are going out', async () => {
    const { user, fake } = renderRow({}, { fake: createFakeFetch({ 'GET /status': { body: statusReport() }, 'POST /sync': { body: { pending: 3 } } }) });
    await user.click(await screen.findByRole('button', { name: 'Sync now' }));
    expect(await screen.findByText('Sending 3 waiting results now.')).toBeTruthy();
    expect(fake.calls('POST /sync')).toHaveLength(1);
  });

  it('a portal other orgs also use: a note, not a problem', async () => {
    renderRow({}, { status: statusReport({ sharedWith: 1 }) });
    const note = await screen.findByText(/^1 other JobCannon organization uses this HubSpot account too/);
    expect(note.closest('[role=alert]')).toBeNull();
  });

  it('a spent error budget (half rate): a note, not a problem', async () => {
    renderRow({}, { status: statusReport({ errorBudget: { ratio: 0.031, lowered: true } }) });
    expect(await screen.findByText('HubSpot refused many requests today, so JobCannon sends at half speed until that settles.')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('TOKEN_REFRESH_FAILED is transient: it retries by itself, no reconnect advice or button', async () => {
    renderRow({}, { status: statusReport({ lastError: lastError('TOKEN_REFRESH_FAILED', {}, true) }) });
    const alert = await screen.findByRole('alert');
    expect(alert.querySelector('p')!.textContent).toBe('JobCannon could not renew its access to HubSpot just now. Nothing is lost: JobCannon tries again on its own.');
    expect(screen.queryByRole('button', { name: 'Reconnect HubSpot' })).toBeNull();
  });
});

describe('the backfill (issue 16)', () => {
  it('offered: "Send 4,213 past results to HubSpot?" with Send and Not now for admins; members do not see it', async () => {
    const { user, fake } = renderRow({}, { fake: createFakeFetch({ 'GET /status': { body: statusReport({ backfill: backfill() }) }, 'POST /backfill': { body: backfill({ state: 'running' }) } }) });
    expect(await screen.findByText('Send 4,213 past results to HubSpot?')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Send past results' }));
    await waitFor(() => expect(fake.calls('POST /backfill')).toHaveLength(1));
    cleanup();
    const later = renderRow({}, { status: statusReport({ backfill: backfill() }) });
    await later.user.click(await screen.findByRole('button', { name: 'Not now' }));
    expect(screen.queryByText(/past results to HubSpot\?/)).toBeNull();
    cleanup();
    renderRow({}, { status: statusReport({ backfill: backfill(), permissions: { manage: false } }) });
    await screen.findByText('Connected');
    expect(screen.queryByText(/past results/)).toBeNull();
  });

  it('running: a progress bar (queued of the total; in HubSpot in its sentence), the ETA, and Cancel for admins', async () => {
    const running = backfill({ state: 'running', enqueued: 2000, pushed: 1500, failed: 3, etaAt: new Date(NOW + 5 * 60_000).toISOString() });
    const { user, fake } = renderRow({}, { fake: createFakeFetch({ 'GET /status': { body: statusReport({ backfill: running }) }, 'POST /backfill/cancel': { body: backfill({ state: 'cancelled' }) } }) });
    const bar = await screen.findByRole('progressbar');
    expect([bar.getAttribute('value'), bar.getAttribute('max')]).toEqual(['2000', '4213']);
    const box = bar.parentElement!;
    expect(box.querySelector('p')!.textContent).toBe('Sending past results: 2,000 of 4,213 queued, 1,500 in HubSpot, 3 failed. Done in 5 minutes');
    await user.click(within(box).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(fake.calls('POST /backfill/cancel')).toHaveLength(1));
  });

  it.each([
    [backfill({ state: 'done', enqueued: 4213, pushed: 4210, failed: 3 }), 'Sent 4,210 past results to HubSpot (3 failed).', []],
    [backfill({ state: 'cancelled', enqueued: 1200 }), 'Sending past results was cancelled after 1,200 of 4,213; those still go out.', ['Send the rest']],
    [backfill({ state: 'failed', enqueued: 1200 }), 'Sending past results stopped after 1,200 of 4,213 because of an error.', ['Send the rest']],
  ])('backfill state %#', async (status, text, actions) => {
    renderRow({}, { status: statusReport({ backfill: status }) });
    const line = await screen.findByText(text);
    expect(within(line.parentElement!).queryAllByRole('button').map((b) => b.textContent)).toEqual(actions);
  });
});
