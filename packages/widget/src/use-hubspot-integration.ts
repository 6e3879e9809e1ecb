import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { request, RequestError, type RequestConfig } from './client.js';
import { deriveView, describeError, describeProblems, resolveMessages, type RequestFailure } from './describe.js';
import type { MessageOverrides, Messages } from './messages.js';
import type {
  BackfillStatus,
  BootstrapReport,
  DisconnectResult,
  DismissResult,
  FailurePage,
  FailuresState,
  FetchLike,
  HeadersOption,
  IntegrationStatusReport,
  Problem,
  RequestName,
  RetryResult,
  SyncResult,
  ViewState,
  WidgetError,
} from './types.js';

export interface UseHubSpotIntegrationOptions {
  /** Where the router is mounted, e.g. `/integrations/hubspot`. */
  baseUrl: string;
  /** Replaces the global fetch (auth wrappers, tests). */
  fetch?: FetchLike;
  /** Extra headers on every request (e.g. `Authorization`), or a function read per request. */
  headers?: HeadersOption;
  /** Default `same-origin`: the router authenticates with the host's session cookie. */
  credentials?: RequestCredentials;
  /** How often to re-read the status while syncing. Default 5,000 ms; 0 turns polling off. */
  pollIntervalMs?: number;
  /**
   * How often to re-read it otherwise, so results the host pushes (or a revoked app) show up
   * without a reload. Default 30,000 ms; 0 turns it off. The status is also re-read whenever the
   * page becomes visible again.
   */
  idlePollIntervalMs?: number;
  /** Failed results per page in `loadFailures`. Default 20. */
  failuresPageSize?: number;
  /** Full-page navigation for Connect/Reconnect. Default `window.location.assign`. */
  navigate?: (url: string) => void;
  /**
   * Entries of the messages table to replace (a translation, a house style); the rest stay
   * English. `problems`, `error` and the row's text all come from the result.
   */
  messages?: MessageOverrides;
}

export interface HubSpotIntegrationActions {
  /**
   * Navigates to `{baseUrl}/connect`, which redirects to HubSpot's consent page. With
   * `allowPortalChange` the admin confirms connecting a different portal than before: that is a
   * state change, so it is a `POST /connect` (same-site checked, like every POST) answering the
   * consent URL, then the navigation; a link cannot confirm it. Without it such a connection is
   * refused with PORTAL_MISMATCH. `allowSharedPortal` is the admin's "Connect anyway" for a portal
   * another organization already uses (PORTAL_SHARED), confirmed the same way.
   */
  connect(options?: { allowPortalChange?: boolean; allowSharedPortal?: boolean }): void;
  /** The same OAuth round trip; named apart so UIs read naturally. */
  reconnect(): void;
  /** Re-runs the property bootstrap; resolves with its report (also kept as `lastResync`), or null on failure. */
  resync(): Promise<BootstrapReport | null>;
  disconnect(): Promise<DisconnectResult | null>;
  /** First page, or the next one with `{ more: true }` (appended to `failures.items`). */
  loadFailures(options?: { more?: boolean }): Promise<FailurePage | null>;
  /** Retries the given failed results, or all of them without ids. */
  retry(ids?: string[]): Promise<RetryResult | null>;
  /** Takes the given failed results off the list (the admin decided not to fix them). */
  dismiss(ids: string[]): Promise<DismissResult | null>;
  /** Pushes what is waiting now. */
  sync(): Promise<SyncResult | null>;
  /** Starts (or resumes) sending the org's past results, or cancels it. */
  backfill(cancel?: boolean): Promise<BackfillStatus | null>;
  /** Re-reads the status now. */
  refresh(): Promise<void>;
}

export interface HubSpotIntegration {
  /** The last status read, or null before the first one arrives. */
  status: IntegrationStatusReport | null;
  /** A status request is in flight (the first load, a poll or a refresh). */
  loading: boolean;
  /** The action in flight (its follow-up status refresh included), so UIs can refuse double clicks. */
  busy: Exclude<RequestName, 'status' | 'failures'> | null;
  /** The last failed request, in plain language; cleared when the next action starts. */
  error: WidgetError | null;
  /** The pill state (see `deriveView`), null until the status is known. */
  view: ViewState | null;
  /** What needs the admin's attention, most urgent first (see `describeProblems`). */
  problems: Problem[];
  failures: FailuresState;
  lastResync: BootstrapReport | null;
  actions: HubSpotIntegrationActions;
  /** The messages table in use (the English one with the host's `messages` laid over it). */
  messages: Messages;
}

const NO_FAILURES: FailuresState = { items: [], total: 0, nextCursor: null, loading: false, loaded: false };

// The server's own error text stays out: only its code is kept, and the table words it.
const toFailure = (request: RequestName, error: unknown): RequestFailure =>
  error instanceof RequestError ? { request, code: error.code, httpStatus: error.httpStatus } : { request, code: 'INTERNAL', httpStatus: 0 };

/** The integration's state and actions without any markup, for hosts that draw their own row. */
export function useHubSpotIntegration(options: UseHubSpotIntegrationOptions): HubSpotIntegration {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const pollIntervalMs = options.pollIntervalMs ?? 5000;
  const idlePollIntervalMs = options.idlePollIntervalMs ?? 30_000;
  // Hosts pass `fetch`/`headers` inline, so they change identity every render; reading them
  // through a ref keeps the load and polling effects from restarting on each render.
  const optionsRef = useRef(options);
  optionsRef.current = options;

  const [status, setStatus] = useState<IntegrationStatusReport | null>(null);
  const [loading, setLoading] = useState(true);
  const [busy, setBusy] = useState<HubSpotIntegration['busy']>(null);
  const [failure, setFailure] = useState<RequestFailure | null>(null);
  const [failures, setFailures] = useState<FailuresState>(NO_FAILURES);
  const [lastResync, setLastResync] = useState<BootstrapReport | null>(null);
  // Bumped after every status answer (good or bad) so polling re-arms even when a poll failed.
  const [statusReads, setStatusReads] = useState(0);
  const statusRef = useRef(status);
  statusRef.current = status;
  const failuresRef = useRef(failures);
  failuresRef.current = failures;
  // Aborted on unmount: answers for an unmounted row are dropped instead of set on dead state.
  const lifetime = useRef<AbortController | null>(null);
  // Only the newest status request may write: a slow poll must not overwrite a fresher refresh.
  const statusSeq = useRef(0);

  const call = useCallback(
    <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
      const { fetch, headers, credentials } = optionsRef.current;
      const config: RequestConfig = { baseUrl, fetch, headers, credentials, signal: lifetime.current?.signal };
      return request<T>(config, method, path, body);
    },
    [baseUrl],
  );

  const refresh = useCallback(async () => {
    const seq = ++statusSeq.current;
    const signal = lifetime.current?.signal;
    setLoading(true);
    try {
      const report = await call<IntegrationStatusReport>('GET', '/status');
      if (seq !== statusSeq.current) return;
      setStatus(report);
      setFailure((current) => (current?.request === 'status' ? null : current));
    } catch (caught) {
      if (seq === statusSeq.current && !signal?.aborted) setFailure(toFailure('status', caught));
    } finally {
      if (seq === statusSeq.current && !signal?.aborted) {
        setLoading(false);
        setStatusReads((count) => count + 1);
      }
    }
  }, [call]);

  useEffect(() => {
    const controller = new AbortController();
    lifetime.current = controller;
    void refresh();
    return () => {
      controller.abort();
      statusSeq.current += 1;
    };
  }, [refresh]);

  // Poll fast while something visibly moves: the queue, the setup after a connect, a backfill.
  const syncing = status?.syncing === true || status?.setup?.state === 'running' || status?.backfill?.state === 'running';
  const haveStatus = statusReads > 0;
  useEffect(() => {
    const interval = syncing ? pollIntervalMs : idlePollIntervalMs;
    // The first read is the mount's own; polling starts from its answer.
    if (!haveStatus || !(interval > 0)) return undefined;
    const timer = setTimeout(() => void refresh(), interval);
    return () => clearTimeout(timer);
  }, [haveStatus, syncing, statusReads, pollIntervalMs, idlePollIntervalMs, refresh]);

  // Coming back to the tab: show what happened meanwhile instead of a stale row.
  useEffect(() => {
    if (typeof document === 'undefined') return undefined;
    const onVisible = () => {
      if (document.visibilityState === 'visible') void refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [refresh]);

  /** Runs one action, records its failure, and always re-reads the status afterwards: even a failed action (a 409 MUST_RECONNECT) may mean the status changed. */
  const run = useCallback(
    async <T>(name: NonNullable<HubSpotIntegration['busy']>, task: () => Promise<T>): Promise<T | null> => {
      const signal = lifetime.current?.signal;
      setBusy(name);
      setFailure(null);
      let result: T | null = null;
      try {
        result = await task();
      } catch (caught) {
        if (!signal?.aborted) setFailure(toFailure(name, caught));
      }
      if (signal?.aborted) return null;
      await refresh();
      if (!signal?.aborted) setBusy(null);
      return result;
    },
    [refresh],
  );

  const loadFailures = useCallback(
    async ({ more = false }: { more?: boolean } = {}): Promise<FailurePage | null> => {
      const cursor = more ? failuresRef.current.nextCursor : null;
      if (more && !cursor) return null;
      const signal = lifetime.current?.signal;
      const query = new URLSearchParams({ limit: String(optionsRef.current.failuresPageSize ?? 20) });
      if (cursor) query.set('cursor', cursor);
      setFailures((current) => ({ ...current, loading: true }));
      setFailure((current) => (current?.request === 'failures' ? null : current));
      try {
        const page = await call<FailurePage>('GET', `/failures?${query}`);
        setFailures((current) => {
          // Rows can shift between pages while results fail or get retried: never list one twice.
          const seen = new Set(more ? current.items.map((item) => item.id) : []);
          const items = more ? [...current.items, ...page.items.filter((item) => !seen.has(item.id))] : page.items;
          return { items, total: page.total, nextCursor: page.nextCursor, loading: false, loaded: true };
        });
        // One count everywhere: a list that disagrees with the status means the status is stale.
        if (page.total !== statusRef.current?.queue.failed) void refresh();
        return page;
      } catch (caught) {
        if (signal?.aborted) return null;
        setFailures((current) => ({ ...current, loading: false }));
        setFailure(toFailure('failures', caught));
        return null;
      }
    },
    [call, refresh],
  );

  const actions = useMemo<HubSpotIntegrationActions>(() => {
    // Retried or dismissed rows leave the list; the rest of the loaded pages stay put.
    const drop = (ids: string[]) =>
      setFailures((current) => {
        const items = current.items.filter((item) => !ids.includes(item.id));
        return { ...current, items, total: Math.max(0, current.total - (current.items.length - items.length)) };
      });
    const navigate = (target: string) => (optionsRef.current.navigate ?? ((url: string) => window.location.assign(url)))(target);
    const connect = (confirmed?: { allowPortalChange?: boolean; allowSharedPortal?: boolean }) => {
      if (!confirmed?.allowPortalChange && !confirmed?.allowSharedPortal) {
        navigate(`${baseUrl}/connect`);
        return;
      }
      void run('connect', async () => {
        const { url } = await call<{ url?: unknown }>('POST', '/connect', confirmed);
        // Only an http(s) URL: the answer decides where the whole page goes.
        if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) throw new RequestError('BAD_RESPONSE', 'The connect answer had no consent URL.', 200);
        navigate(url);
        return url;
      });
    };
    return {
      connect,
      reconnect: () => connect(),
      resync: () =>
        run('resync', async () => {
          const report = await call<BootstrapReport>('POST', '/resync', {});
          setLastResync(report);
          return report;
        }),
      disconnect: () =>
        run('disconnect', async () => {
          const result = await call<DisconnectResult>('POST', '/disconnect', {});
          setFailures(NO_FAILURES);
          setLastResync(null);
          return result;
        }),
      loadFailures,
      retry: (ids?: string[]) =>
        run('retry', async () => {
          const result = await call<RetryResult>('POST', '/failures/retry', ids ? { ids } : {});
          // Retried rows go back to the queue, so they leave the list; the rest of the loaded
          // pages stay put instead of collapsing back to page one.
          if (ids) drop(ids);
          else setFailures((current) => ({ ...current, items: [], total: 0, nextCursor: null }));
          return result;
        }),
      dismiss: (ids: string[]) =>
        run('dismiss', async () => {
          const result = await call<DismissResult>('POST', '/failures/dismiss', { ids });
          drop(ids);
          return result;
        }),
      sync: () => run('sync', () => call<SyncResult>('POST', '/sync', {})),
      backfill: (cancel = false) => run('backfill', () => call<BackfillStatus>('POST', cancel ? '/backfill/cancel' : '/backfill', {})),
      refresh,
    };
  }, [baseUrl, call, run, loadFailures, refresh]);

  // Cheap to lay again when a host passes `messages` inline (a new object every render).
  const messages = useMemo(() => resolveMessages(options.messages), [options.messages]);
  const view = status ? deriveView(status) : null;
  const problems = useMemo(() => (status ? describeProblems(status, messages) : []), [status, messages]);
  const error: WidgetError | null = useMemo(() => failure && describeError(failure, messages, status), [failure, messages, status]);
  return { status, loading, busy, error, view, problems, failures, lastResync, actions, messages };
}
