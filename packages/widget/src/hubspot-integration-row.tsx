import { useEffect, useId, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import { FailuresDrawer, type ButtonProps } from './failures-drawer.js';
import { HubSpotLogo } from './hubspot-logo.js';
import { readOAuthRedirect } from './describe.js';
import { slotClass, type ClassNames, type SlotName } from './slots.js';
import { TimeAgo } from './time-ago.js';
import type { Fix } from './types.js';
import { useHubSpotIntegration, type UseHubSpotIntegrationOptions } from './use-hubspot-integration.js';

export interface HubSpotIntegrationRowProps extends UseHubSpotIntegrationOptions {
  /** Added to the root element. */
  className?: string;
  /** Extra class names per slot (root, pill, banner, button, drawer, …). */
  classNames?: ClassNames;
  /** Drops the default `jc-hs*` class names; `data-*` attributes and `classNames` stay. */
  unstyled?: boolean;
  /** The query string to read the OAuth outcome from. Default `window.location.search`. */
  search?: string;
  /** Remove `hubspot`/`reason` from the address bar after reading them. Default true. */
  clearOAuthParams?: boolean;
  /** Clock for relative times. Default `Date.now`. */
  now?: () => number;
  /** Level of the "HubSpot" heading, to fit the host's outline. Default 3. */
  headingLevel?: 2 | 3 | 4 | 5;
}

// Inline rather than a class so the announcement context survives `unstyled`.
const VISUALLY_HIDDEN: CSSProperties = { position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap' };

type FocusTarget = 'connect' | 'disconnect' | 'cancel' | 'drawer' | 'toggle';

/** The HubSpot row of the Integrations section: status, what is wrong, and the buttons that fix it. */
export function HubSpotIntegrationRow(props: HubSpotIntegrationRowProps) {
  const { className, classNames, unstyled = false, search, clearOAuthParams = true, now = Date.now, headingLevel = 3, ...options } = props;
  const { status, view, problems, error, busy, failures, actions, messages: m } = useHubSpotIntegration(options);
  const id = useId();
  const cls = (slot: SlotName) => slotClass(slot, classNames, unstyled);

  // The query string, kept as read on mount: the banner belongs to the redirect that loaded the
  // page, even after the parameters are cleared from the address bar.
  const [redirectSearch, setRedirectSearch] = useState(() => search ?? (typeof window === 'undefined' ? '' : window.location.search));
  const [notice, setNotice] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [drawerOpen, setDrawerOpen] = useState(false);
  // Re-render every minute so "3 minutes ago" does not silently turn into a lie.
  const [, setMinute] = useState(0);

  const refs = {
    connect: useRef<HTMLButtonElement>(null),
    disconnect: useRef<HTMLButtonElement>(null),
    cancel: useRef<HTMLButtonElement>(null),
    drawer: useRef<HTMLHeadingElement>(null),
    toggle: useRef<HTMLButtonElement>(null),
  };
  // Where focus goes once the next render has put the element on screen (the element that had
  // focus often disappears: the confirm step closes, a retried row leaves the list).
  const focusNext = useRef<FocusTarget | null>(null);
  useEffect(() => {
    const target = focusNext.current && refs[focusNext.current].current;
    if (target) {
      focusNext.current = null;
      target.focus();
    }
  });

  useEffect(() => {
    const timer = setInterval(() => setMinute((minute) => minute + 1), 60_000);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    // A reload must not show the banner again, and the link must not be shared with it.
    if (!clearOAuthParams || !readOAuthRedirect(redirectSearch) || typeof window === 'undefined') return;
    const url = new URL(window.location.href);
    if (!url.searchParams.has('hubspot')) return;
    url.searchParams.delete('hubspot');
    url.searchParams.delete('reason');
    window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
    // Once, on mount: the outcome belongs to the redirect that loaded this page.
  }, []);

  const button: ButtonProps = (variant, onClick, guarded = true) => ({
    type: 'button',
    className: cls('button'),
    'data-variant': variant,
    // aria-disabled rather than disabled: a disabled button drops keyboard focus mid-action.
    'aria-disabled': guarded && busy ? true : undefined,
    onClick: () => {
      if (!(guarded && busy)) onClick();
    },
  });

  const runWithNotice = async (pending: string, task: () => Promise<string | null>, focus?: FocusTarget) => {
    setNotice(pending);
    const done = await task();
    setNotice(done);
    if (focus) focusNext.current = focus;
  };
  // A failed action leaves no notice: its error banner says what happened.
  const resync = () =>
    runWithNotice(m.resyncing, async () => {
      const report = await actions.resync();
      return report && m.resynced(report);
    });
  const retry = (ids?: string[]) =>
    runWithNotice(
      m.retrying,
      async () => {
        const result = await actions.retry(ids);
        return result && m.retried(result.retried);
      },
      'drawer',
    );
  const disconnect = () => {
    setConfirming(false);
    void runWithNotice(m.disconnecting, async () => {
      const result = await actions.disconnect();
      focusNext.current = result ? 'connect' : 'disconnect';
      // The failures of a connection that is gone are no longer the admin's to retry from here.
      if (result) setDrawerOpen(false);
      return result && m.disconnected;
    });
  };
  const openDrawer = () => {
    setDrawerOpen(true);
    focusNext.current = 'drawer';
    void actions.loadFailures();
  };
  const closeDrawer = () => {
    setDrawerOpen(false);
    focusNext.current = 'toggle';
  };

  const connection = status?.status;
  const live = connection === 'connected' || connection === 'must_reconnect';
  const failed = status?.queue.failed ?? 0;
  // The button that fixes the most urgent problem is the primary one; Connect when there is none.
  const primary: Fix | null = problems[0]?.fix ?? (view === 'not_connected' ? 'connect' : null);
  const variant = (fix: Fix) => (primary === fix ? 'primary' : 'secondary');
  const redirect = readOAuthRedirect(redirectSearch, { messages: m, button: live ? m.reconnect : m.connect });
  // A failed reconnect of a live connection (wrong portal, scopes not granted) needs the button too.
  const showReconnect = view === 'must_reconnect' || problems.some((problem) => problem.fix === 'reconnect') || (live && redirect?.outcome === 'error');
  const Heading = `h${headingLevel}` as 'h3';
  const at = now();
  const state = view ?? (error?.request === 'status' ? 'unavailable' : 'loading');

  const banner = (key: string, tone: 'error' | 'success', title: ReactNode, detail: string | null, extra?: ReactNode, said?: string | null) => (
    <div key={key} role={tone === 'error' ? 'alert' : 'status'} className={cls('banner')} data-tone={tone}>
      <p>
        <strong>{title}</strong>
        {detail && <> {detail}</>}
      </p>
      {said && <p className={cls('said')}>{said}</p>}
      {extra}
    </div>
  );
  const dismiss = <button {...button('secondary', () => setRedirectSearch(''), false)}>{m.dismiss}</button>;

  return (
    <section className={slotClass('root', classNames, unstyled, className)} data-state={state} aria-labelledby={`${id}-name`} aria-busy={!status || undefined}>
      <div className={cls('header')}>
        <HubSpotLogo className={cls('logo')} />
        <div>
          <Heading id={`${id}-name`} className={cls('name')}>
            {m.title}
          </Heading>
          {status?.portal && live && (
            <p className={cls('details')}>
              {m.portal(status.portal)}
              {(status.connectedBy || status.connectedAt) && (
                <>
                  <br />
                  {m.connectedBy(status.connectedBy)} {status.connectedAt && <TimeAgo at={status.connectedAt} now={at} format={m.timeAgo} />}
                </>
              )}
            </p>
          )}
          {status && !live && (
            <p className={cls('details')}>
              {m.intro}
              {status.queue.held > 0 && ` ${m.heldUntilConnect(status.queue.held)}`}
            </p>
          )}
        </div>
        {/* The live region: status changes (Syncing → Connected, → Needs reconnect) are announced. */}
        <span className={cls('pill')} data-state={state} aria-live="polite" aria-atomic="true">
          <span style={VISUALLY_HIDDEN}>{m.statusPrefix}</span>
          {m.pill[state]}
        </span>
      </div>

      {status && (live || status.lastSyncAt || status.queue.held > 0 || failed > 0) && (
        <div className={cls('facts')}>
          <p>
            {status.lastSyncAt ? (
              <>
                {m.lastSync} <TimeAgo at={status.lastSyncAt} now={at} format={m.timeAgo} />
              </>
            ) : (
              m.neverSynced
            )}
          </p>
          <dl>
            <div>
              <dt>{m.pending}</dt>
              <dd>{status.queue.pending}</dd>
            </div>
            <div>
              <dt>{m.held}</dt>
              <dd>{status.queue.held}</dd>
            </div>
            <div>
              <dt>{m.failed}</dt>
              <dd>{failed}</dd>
            </div>
          </dl>
        </div>
      )}

      {redirect?.outcome === 'connected' &&
        banner('oauth', 'success', m.connectedBanner(status?.portal ?? null), null, dismiss)}
      {redirect?.outcome === 'error' &&
        banner(
          'oauth',
          'error',
          redirect.message,
          redirect.action,
          <>
            {/* The admin's explicit confirmation that a different portal is intended. */}
            {redirect.reason === 'PORTAL_MISMATCH' && (
              <button {...button('secondary', () => actions.connect({ allowPortalChange: true }))}>{m.switchPortal}</button>
            )}
            {dismiss}
          </>,
        )}
      {error &&
        banner(
          'request',
          'error',
          m.requestFailed[error.request],
          error.message,
          error.request === 'status' && <button {...button('secondary', () => void actions.refresh(), false)}>{m.tryAgain}</button>,
        )}
      {problems.map((problem) => banner(problem.id, 'error', problem.message, problem.action, undefined, problem.hubspotSaid))}

      <div className={cls('notice')} role="status" aria-live="polite">
        {notice}
      </div>

      {status && (
        <div className={cls('actions')}>
          {view === 'not_connected' && (
            <button ref={refs.connect} {...button('primary', () => actions.connect())}>
              {m.connect}
            </button>
          )}
          {showReconnect && <button {...button(variant('reconnect'), actions.reconnect)}>{m.reconnect}</button>}
          {connection === 'connected' && <button {...button(variant('resync'), () => void resync())}>{m.resync}</button>}
          {(failed > 0 || drawerOpen) && (
            <button
              ref={refs.toggle}
              {...button(variant('failures'), drawerOpen ? closeDrawer : openDrawer, false)}
              aria-expanded={drawerOpen}
              aria-controls={drawerOpen ? `${id}-drawer` : undefined}
            >
              {m.viewFailed(failed)}
            </button>
          )}
          {live && !confirming && (
            <button
              ref={refs.disconnect}
              {...button('secondary', () => {
                focusNext.current = 'cancel';
                setConfirming(true);
              })}
            >
              {m.disconnect}
            </button>
          )}
        </div>
      )}

      {confirming && (
        <div
          role="group"
          aria-labelledby={`${id}-confirm`}
          className={cls('confirm')}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              focusNext.current = 'disconnect';
              setConfirming(false);
            }
          }}
        >
          <p id={`${id}-confirm`}>{m.confirmDisconnect(status?.portal ?? null)}</p>
          <button {...button('danger', disconnect)}>{m.confirmDisconnectButton}</button>
          <button
            ref={refs.cancel}
            {...button(
              'secondary',
              () => {
                focusNext.current = 'disconnect';
                setConfirming(false);
              },
              false,
            )}
          >
            {m.cancel}
          </button>
        </div>
      )}

      {drawerOpen && (
        <FailuresDrawer
          id={`${id}-drawer`}
          headingLevel={headingLevel}
          failures={failures}
          messages={m}
          now={at}
          headingRef={refs.drawer}
          cls={cls}
          button={button}
          onClose={closeDrawer}
          onRetry={(ids) => void retry(ids)}
          onReload={() => void actions.loadFailures()}
          onLoadMore={() => {
            if (!failures.loading) void actions.loadFailures({ more: true });
          }}
        />
      )}
    </section>
  );
}
