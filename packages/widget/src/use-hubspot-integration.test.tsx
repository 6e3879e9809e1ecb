import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deriveView, describeProblems } from './describe.js';
import { BASE_URL, createFakeFetch, failureItem, lastError as makeLastError, notConnectedReport, statusReport, type RecordedRequest } from './test-support/fake-fetch.js';
import type { FetchLike, IntegrationStatusReport } from './types.js';
import { useHubSpotIntegration, type UseHubSpotIntegrationOptions } from './use-hubspot-integration.js';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const renderIntegration = (options: Partial<UseHubSpotIntegrationOptions> & { fetch: FetchLike }) =>
  renderHook((props: Partial<UseHubSpotIntegrationOptions>) => useHubSpotIntegration({ baseUrl: BASE_URL, ...options, ...props }), { initialProps: {} });

describe('useHubSpotIntegration', () => {
  it('loads the status through the injected fetch and derives view and problems', async () => {
    const fake = createFakeFetch({ 'GET /status': { body: statusReport({ status: 'must_reconnect' }) } });
    const { result } = renderIntegration({ fetch: fake.fetch });
    expect(result.current).toMatchObject({ status: null, loading: true, view: null, problems: [], busy: null, error: null, lastResync: null });
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(result.current.status?.status).toBe('must_reconnect');
    expect(result.current.view).toBe('must_reconnect');
    expect(result.current.problems.map((problem) => [problem.id, problem.fix])).toEqual([['must_reconnect', 'reconnect']]);
    expect(fake.requests.map((request) => request.url)).toEqual(['/integrations/hubspot/status']);
  });

  it('does not refetch when the host passes new inline fetch/headers objects on every render', async () => {
    const fake = createFakeFetch({ 'GET /status': { body: statusReport() } });
    const { result, rerender } = renderIntegration({ fetch: fake.fetch });
    await waitFor(() => expect(result.current.loading).toBe(false));
    const inline = (): FetchLike => (input, init) => fake.fetch(input, init);
    rerender({ fetch: inline(), headers: { Authorization: 'Bearer 2' } });
    rerender({ fetch: inline(), headers: { Authorization: 'Bearer 3' } });
    expect(fake.calls('GET /status')).toHaveLength(1);
    // …but the newest ones are what the next request uses.
    await act(() => result.current.actions.refresh());
    expect(fake.calls('GET /status')[1]!.headers.authorization).toBe('Bearer 3');
  });

  it('resync keeps the report as lastResync and reports busy while running', async () => {
    let release: () => void = () => {};
    const report = { ok: true, groupCreated: true, created: ['jc_iq_score'], existing: [], missing: [], drift: [], checkedAt: '2026-05-04T12:00:00Z' };
    const fake = createFakeFetch({
      'GET /status': { body: statusReport() },
      'POST /resync': () => new Promise((resolve) => (release = () => resolve({ body: report }))),
    });
    const { result } = renderIntegration({ fetch: fake.fetch });
    await waitFor(() => expect(result.current.loading).toBe(false));
    let pending!: Promise<unknown>;
    act(() => void (pending = result.current.actions.resync()));
    expect(result.current.busy).toBe('resync');
    release();
    await act(async () => expect(await pending).toEqual(report));
    expect(result.current.lastResync).toEqual(report);
    expect(result.current.busy).toBeNull();
    expect(fake.calls('GET /status')).toHaveLength(2);
  });

  it('describes a failed action as { request, code, httpStatus, message } and resolves null', async () => {
    const fake = createFakeFetch({
      'GET /status': { body: statusReport() },
      'POST /disconnect': { status: 409, body: { error: { code: 'MUST_RECONNECT', message: 'token revoked' } } },
    });
    const { result } = renderIntegration({ fetch: fake.fetch });
    await waitFor(() => expect(result.current.loading).toBe(false));
    await act(async () => expect(await result.current.actions.disconnect()).toBeNull());
    expect(result.current.error).toEqual({
      request: 'disconnect',
      code: 'MUST_RECONNECT',
      httpStatus: 409,
      message: 'HubSpot refused our access - the app was uninstalled or the token revoked. Click Reconnect HubSpot. No data is lost: held results are sent after you reconnect.',
    });
    // Even a failed action re-reads the status: the failure may mean it changed.
    expect(fake.calls('GET /status')).toHaveLength(2);
  });

  it('pages failures with a cursor and does nothing for "more" on the last page', async () => {
    const pages: Record<string, unknown> = {
      '': { items: [failureItem(1, { id: 'a' })], total: 2, nextCursor: 'c2' },
      c2: { items: [failureItem(2, { id: 'b' })], total: 2, nextCursor: null },
    };
    const fake = createFakeFetch({ 'GET /status': { body: statusReport() }, 'GET /failures': (request: RecordedRequest) => ({ body: pages[request.query.get('cursor') ?? ''] }) });
    const { result } = renderIntegration({ fetch: fake.fetch, failuresPageSize: 50 });
    expect(result.current.failures).toEqual({ items: [], total: 0, nextCursor: null, loading: false, loaded: false });
    await act(() => result.current.actions.loadFailures());
    expect(result.current.failures.items.map((item) => item.id)).toEqual(['a']);
    await act(() => result.current.actions.loadFailures({ more: true }));
    expect(result.current.failures).toMatchObject({ total: 2, nextCursor: null, loaded: true, loading: false });
    expect(result.current.failures.items.map((item) => item.id)).toEqual(['a', 'b']);
    await act(async () => expect(await result.current.actions.loadFailures({ more: true })).toBeNull());
    expect(fake.calls('GET /failures').map((request) => request.url)).toEqual(['/integrations/hubspot/failures?limit=50', '/integrations/hubspot/failures?limit=50&cursor=c2']);
  });

  it('connect and reconnect use the injected navigate', async () => {
    const navigate = vi.fn();
    const fake = createFakeFetch({ 'GET /status': { body: notConnectedReport() } }, '/api/hubspot');
    const { result } = renderIntegration({ fetch: fake.fetch, navigate, baseUrl: '/api/hubspot///' });
    result.current.actions.connect();
    result.current.actions.reconnect();
    expect(navigate.mock.calls).toEqual([['/api/hubspot/connect'], ['/api/hubspot/connect']]);
    await waitFor(() => expect(result.current.view).toBe('not_connected'));
  });

  it('pollIntervalMs: 0 turns polling off', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fake = createFakeFetch({ 'GET /status': { body: statusReport({ syncing: true, queue: { pending: 2, failed: 0, held: 0 } }) } });
    const { result } = renderIntegration({ fetch: fake.fetch, pollIntervalMs: 0 });
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(result.current.view).toBe('syncing');
    expect(fake.calls('GET /status')).toHaveLength(1);
  });

  it('aborts in-flight requests on unmount', async () => {
    let signal: AbortSignal | null | undefined;
    const fetch: FetchLike = (_input, init) => {
      signal = init.signal;
      return new Promise(() => {});
    };
    const { unmount } = renderIntegration({ fetch });
    expect(signal?.aborted).toBe(false);
    unmount();
    expect(signal?.aborted).toBe(true);
  });
});

describe('deriveView (the pill rule)', () => {
  const report = (overrides: Partial<IntegrationStatusReport>) => statusReport(overrides);
  const lastError = makeLastError('INTERNAL');
  it.each<[string, Partial<IntegrationStatusReport>, string]>([
    ['never connected', { status: 'not_connected' }, 'not_connected'],
    ['disconnected, even with failures', { status: 'disconnected', queue: { pending: 0, failed: 3, held: 2 } }, 'not_connected'],
    ['must reconnect, even with an error', { status: 'must_reconnect', lastError }, 'must_reconnect'],
    ['healthy', {}, 'connected'],
    ['pending without the flag', { queue: { pending: 1, failed: 0, held: 0 } }, 'syncing'],
    ['syncing flag', { syncing: true }, 'syncing'],
    ['lastError beats syncing', { syncing: true, lastError }, 'error'],
    ['bootstrap not ok', { bootstrap: { ok: false, missing: ['jc_iq_score'], drift: [], checkedAt: '', created: [], groupCreated: false } }, 'error'],
    ['failed results', { queue: { pending: 0, failed: 1, held: 0 } }, 'error'],
    ['no bootstrap report yet', { bootstrap: null }, 'connected'],
  ])('%s', (_name, overrides, expected) => {
    expect(deriveView(report(overrides))).toBe(expected);
  });

  it('problems are empty for a never-connected row and ordered by urgency otherwise', () => {
    expect(describeProblems(notConnectedReport())).toEqual([]);
    const problems = describeProblems(
      report({
        status: 'must_reconnect',
        lastError: makeLastError('HUBSPOT_RATE_LIMITED', {}, true),
        bootstrap: { ok: false, missing: ['jc_a'], drift: [{ name: 'jc_b', field: 'type', expected: 'number', actual: 'string', severity: 'warning' }], checkedAt: '', created: [], groupCreated: false },
        queue: { pending: 0, failed: 2, held: 0 },
      }),
    );
    expect(problems.map((problem) => problem.id)).toEqual(['must_reconnect', 'error:HUBSPOT_RATE_LIMITED', 'properties_missing', 'properties_drift', 'failed']);
  });
});
