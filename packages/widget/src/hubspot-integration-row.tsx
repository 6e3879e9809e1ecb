import { useEffect, useId, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import { FailuresDrawer, type ButtonProps } from './failures-drawer.js';
import { HubSpotLogo } from './hubspot-logo.js';
import { OAUTH_PARAMS, readOAuthRedirect, relabelledProperties } from './describe.js';
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
  /** Remove the OAuth outcome's parameters from the address bar after reading them. Default true. */
  clearOAuthParams?: boolean;
  /** Clock for relative times. Default `Date.now`. */
  now?: () => number;
  /** Level of the "HubSpot" heading, to fit the host's outline. Default 3. */
  headingLevel?: 2 | 3 | 4 | 5;
}

// Inline rather than a class so the announcement context survives `unstyled`.
const VISUALLY_HIDDEN: CSSProperties = { position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap' };

type FocusTarget = 'connect' | 'disconnect' | 'cancel' | 'drawer' | 'toggle';

/** Links from the server go into `href`: http(s) only, never `javascript:`. */
const safeUrl = (url: string | null | undefined) => (url && /^https?:\/\//i.test(url) ? url : undefined);
const BACKFILL_TEXT = { offered: 'backfillOffer', running: 'backfillRunning', done: 'backfillDone', cancelled: 'backfillCancelled', failed: 'backfillFailed' } as const;

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
  // "Not now" on the backfill offer: asked again on the next visit.
  const [backfillLater, setBackfillLater] = useState(false);
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
    for (const name of OAUTH_PARAMS) url.searchParams.delete(name);
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

  /** Runs an action with a "working…" notice, then its outcome (a failed action leaves none: its error banner says what happened). */
  const withNotice = async <T,>(pending: string, task: () => Promise<T | null>, done: (result: T) => string, focus?: FocusTarget) => {
    setNotice(pending);
    const result = await task();
    setNotice(result && done(result));
    if (focus) focusNext.current = focus;
  };
  const disconnect = () => {
    setConfirming(false);
    void withNotice(
      m.disconnecting,
      async () => {
        const result = await actions.disconnect();
        focusNext.current = result ? 'connect' : 'disconnect';
        // The failures of a connection that is gone are no longer the admin's to retry from here.
        if (result) setDrawerOpen(false);
        return result;
      },
      () => m.disconnected,
    );
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
  const manage = status?.permissions?.manage === true;
  // One count everywhere: the banner, the facts, the button and the drawer start from queue.failed.
  const failed = status?.queue.failed ?? 0;
  const setup = status?.setup?.state === 'running' ? status.setup : null;
  const backfill = live && status?.backfill && !(status.backfill.state === 'offered' && (backfillLater || !manage)) ? status.backfill : null;
  const relabelled = status ? relabelledProperties(status) : [];
  // The button that fixes the most urgent problem is the primary one; Connect when there is none.
  const primary: Fix | null = problems[0]?.fix ?? (view === 'not_connected' ? 'connect' : null);
  const variant = (fix: Fix) => (primary === fix ? 'primary' : 'secondary');
  const redirect = readOAuthRedirect(redirectSearch, { messages: m, button: live ? m.reconnect : m.connect });
  // A failed reconnect of a live connection (wrong portal, scopes not granted) needs the button too.
  const showReconnect = view === 'must_reconnect' || problems.some((problem) => problem.fix === 'reconnect') || (live && redirect?.outcome === 'error');
  const Heading = `h${headingLevel}` as 'h3';
  const at = now();
  const state = view ?? (error?.request === 'status' ? 'unavailable' : 'loading');
  const time = (value: string | null | undefined) => value && <TimeAgo at={value} now={at} format={m.timeAgo} />;

  const banner = (key: string, tone: 'error' | 'success' | 'info', title: ReactNode, detail: ReactNode, extra?: ReactNode, said?: string | null) => (
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
  const note = (key: string, text: ReactNode, extra?: ReactNode) => (
    <div key={key} className={cls('note')}>
      <p>{text}</p>
      {extra}
    </div>
  );
  const pushes = status?.recentPushes ?? [];
  const groupLink = safeUrl(status?.links?.propertyGroup);

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
                  {m.connectedBy(status.connectedBy)} {time(status.connectedAt)}
                </>
              )}
            </p>
          )}
          {status && !live && (
            <p className={cls('details')}>
              {m.intro}
              {!manage && ` ${m.askAdmin('connect')}`}
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

      {/* Before connecting: what JobCannon will write, and why HubSpot asks for each permission. */}
      {status && !live && manage && (
        <div className={cls('note')}>
          <p>{m.writes}</p>
          <p>{m.scopesTitle}</p>
          <ul>
            {Object.entries(m.scopes).map(([scope, why]) => (
              <li key={scope}>
                <code>{scope}</code>: {why}
              </li>
            ))}
          </ul>
        </div>
      )}

      {status && (live || status.lastSyncAt || status.queue.held > 0 || failed > 0) && (
        <div className={cls('facts')}>
          <p>{status.lastSyncAt ? <>{m.lastSync} {time(status.lastSyncAt)}</> : m.neverSynced}</p>
          <dl>
            {(
              [
                [m.contactsSynced, status.contactsSynced ?? 0],
                [m.pending, status.queue.pending],
                [m.held, status.queue.held],
                [m.failed, failed],
              ] as const
            ).map(([label, value]) => (
              <div key={label}>
                <dt>{label}</dt>
                <dd>{value.toLocaleString('en')}</dd>
              </div>
            ))}
          </dl>
        </div>
      )}

      {setup && (
        <div className={cls('note')} role="status">
          <p>{m.setupRunning(setup)}</p>
        </div>
      )}

      {/* Connected: only when nothing is wrong (never the green banner beside a red one). */}
      {redirect?.outcome === 'connected' &&
        problems.length === 0 &&
        banner(
          'oauth',
          'success',
          m.connectedBanner(status?.portal ?? null),
          status?.setup?.state === 'done' && status.bootstrap && m.setupDone(status.bootstrap),
          dismiss,
        )}
      {redirect?.outcome === 'unchanged' && banner('oauth', 'info', m.unchanged(status?.portal ?? null), null, dismiss)}
      {redirect?.outcome === 'error' &&
        banner(
          'oauth',
          'error',
          redirect.message,
          redirect.action,
          <>
            {/* The admin's explicit confirmations: a different portal, a portal another org uses. */}
            {redirect.reason === 'PORTAL_MISMATCH' && manage && (
              <button {...button('secondary', () => actions.connect({ allowPortalChange: true }))}>{m.switchPortal}</button>
            )}
            {redirect.reason === 'PORTAL_SHARED' && manage && (
              <button {...button('primary', () => actions.connect({ allowSharedPortal: true }))}>{m.connectAnyway}</button>
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
      {problems.map((problem) =>
        banner(
          problem.id,
          'error',
          problem.message,
          problem.action,
          problem.at && (
            <p className={cls('said')}>
              {m.errorAt} {time(problem.at)}
            </p>
          ),
          problem.hubspotSaid,
        ),
      )}
      {live && relabelled.length > 0 && note('relabelled', m.propertiesRelabelled(relabelled))}
      {live && (status?.sharedWith ?? 0) > 0 && note('shared', m.sharedWith(status?.sharedWith ?? 0))}
      {live && status?.errorBudget?.lowered && note('budget', m.errorBudgetLowered)}

      {backfill && (
        <div className={cls('note')} role="status" data-state={backfill.state}>
          <p>
            {m[BACKFILL_TEXT[backfill.state]](backfill)}
            {backfill.state === 'running' && backfill.etaAt && (
              <>
                {' '}
                {m.backfillEta} {time(backfill.etaAt)}
              </>
            )}
          </p>
          {/* Queued of the total; what HubSpot already has is in the sentence above. */}
          {backfill.state === 'running' && <progress className={cls('progress')} max={backfill.total ?? undefined} value={backfill.enqueued} aria-label={m.backfillRunning(backfill)} />}
          {manage && (
            <div className={cls('actions')}>
              {backfill.state === 'offered' && (
                <>
                  <button {...button('primary', () => void actions.backfill())}>{m.backfillSend}</button>
                  <button {...button('secondary', () => setBackfillLater(true), false)}>{m.backfillLater}</button>
                </>
              )}
              {backfill.state === 'running' && <button {...button('secondary', () => void actions.backfill(true))}>{m.cancel}</button>}
              {(backfill.state === 'cancelled' || backfill.state === 'failed') && (
                <button {...button('secondary', () => void actions.backfill())}>{m.backfillResume}</button>
              )}
            </div>
          )}
        </div>
      )}

      <div className={cls('notice')} role="status" aria-live="polite">
        {notice}
      </div>

      {status && (
        <div className={cls('actions')}>
          {view === 'not_connected' && manage && (
            <button ref={refs.connect} {...button('primary', () => actions.connect())}>
              {m.connect}
            </button>
          )}
          {showReconnect && manage && <button {...button(variant('reconnect'), actions.reconnect)}>{m.reconnect}</button>}
          {connection === 'connected' && manage && (
            <>
              <button {...button('secondary', () => void withNotice(m.syncing, actions.sync, (result) => m.synced(result.pending)))}>{m.syncNow}</button>
              <button {...button(variant('resync'), () => void withNotice(m.resyncing, actions.resync, m.resynced))}>{m.resync}</button>
            </>
          )}
          {/* Members may read the failures too; only admins get Retry and Dismiss in the drawer. */}
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
          {live && manage && !confirming && (
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

      {connection === 'connected' && (pushes.length > 0 || groupLink) && (
        <div className={cls('recent')}>
          {groupLink && (
            <p>
              <a href={groupLink} target="_blank" rel="noopener noreferrer">
                {m.viewProperties}
              </a>
            </p>
          )}
          {pushes.length > 0 && (
            <details>
              <summary>{m.recentTitle(pushes.length)}</summary>
              <ul>
                {pushes.map((push) => (
                  <li key={`${push.inviteId}-${push.at}`}>
                    <span>{push.email}</span> {m.pushed[push.outcome]} {time(push.at)}
                    {safeUrl(push.contactUrl) && (
                      <>
                        {' '}
                        <a href={safeUrl(push.contactUrl)} target="_blank" rel="noopener noreferrer" aria-label={m.viewInHubSpotLabel(push.email)}>
                          {m.viewInHubSpot}
                        </a>
                      </>
                    )}
                  </li>
                ))}
              </ul>
            </details>
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
          failed={failed}
          manage={manage}
          messages={m}
          now={at}
          headingRef={refs.drawer}
          cls={cls}
          button={button}
          onClose={closeDrawer}
          onRetry={(ids) => void withNotice(m.retrying, () => actions.retry(ids), (result) => m.retried(result.retried), 'drawer')}
          onDismiss={(ids) => void withNotice(m.dismissing, () => actions.dismiss(ids), (result) => m.dismissed(result.dismissed), 'drawer')}
          onReload={() => void actions.loadFailures()}
          onLoadMore={() => {
            if (!failures.loading) void actions.loadFailures({ more: true });
          }}
        />
      )}
    </section>
  );
}
