import type { KeyboardEvent, RefObject } from 'react';
import { describeFailure } from './describe.js';
import { isKnownCode } from './error-codes.js';
import type { Messages } from './messages.js';
import type { SlotName } from './slots.js';
import { TimeAgo } from './time-ago.js';
import type { FailuresState } from './types.js';

/** Props for one of the row's buttons; `guarded` ones do nothing (and say so) while an action runs. */
export type ButtonProps = (variant: 'primary' | 'secondary' | 'danger', onClick: () => void, guarded?: boolean) => {
  type: 'button';
  className: string | undefined;
  'data-variant': string;
  'aria-disabled': true | undefined;
  onClick: () => void;
};

export interface FailuresDrawerProps {
  id: string;
  headingLevel: number;
  failures: FailuresState;
  /** The status's `queue.failed`: the count the banner and the button show, until the list says otherwise. */
  failed: number;
  /** Whether the signed-in user may retry and dismiss (members only read). */
  manage: boolean;
  messages: Messages;
  now: number;
  headingRef: RefObject<HTMLHeadingElement | null>;
  cls: (slot: SlotName) => string | undefined;
  button: ButtonProps;
  onClose(): void;
  onRetry(ids?: string[]): void;
  onDismiss(ids: string[]): void;
  onLoadMore(): void;
  onReload(): void;
}

const FOCUSABLE = 'button, a[href], [tabindex]:not([tabindex="-1"])';

/**
 * The failed results in a modal drawer over the page: focus moves to its heading on open, Tab and
 * Shift+Tab stay inside it, Escape (or Close) closes it and the row puts focus
 * back on the toggle. One plain sentence per failure with the value and the fix; Retry only where
 * a retry can help, Dismiss for any (admins only).
 */
export function FailuresDrawer(props: FailuresDrawerProps) {
  const { id, headingLevel, failures, failed, manage, messages: m, now, headingRef, cls, button, onClose, onRetry, onDismiss, onLoadMore, onReload } = props;
  const Heading = `h${Math.min(headingLevel + 1, 6)}` as 'h4';
  const headingId = `${id}-heading`;
  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      onClose();
    }
    if (event.key !== 'Tab') return;
    // The focus trap: from the last control forward (or the first backward) wrap around.
    const focusable = [...event.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const first = focusable[0];
    const last = focusable.at(-1);
    const active = document.activeElement;
    if (event.shiftKey ? active === first || active === headingRef.current : active === last) {
      event.preventDefault();
      (event.shiftKey ? last : first)?.focus();
    }
  };
  const { items, loaded, loading, nextCursor } = failures;
  // Until the list answers, the same count as the banner and the button.
  const total = loaded ? failures.total : failed;
  const anyRetryable = manage && items.some((item) => item.retryable);
  return (
    <div className={cls('backdrop')}>
      <section
        id={id}
        role="dialog"
        aria-modal="true"
        aria-labelledby={headingId}
        aria-busy={loading || undefined}
        className={cls('drawer')}
        onKeyDown={onKeyDown}
      >
        <Heading id={headingId} ref={headingRef} tabIndex={-1}>
          {m.failuresTitle} ({total})
        </Heading>
        {loaded || loading ? (
          <p>{!loaded ? m.failuresLoading : total === 0 ? m.failuresNone : m.failuresShowing(items.length, total)}</p>
        ) : (
          <p>
            {m.failuresLoadError} <button {...button('secondary', onReload, false)}>{m.tryAgain}</button>
          </p>
        )}
        {items.length > 0 && (
          <table className={cls('table')}>
            <thead>
              <tr>
                <th scope="col">{m.columns.email}</th>
                <th scope="col">{m.columns.reason}</th>
                <th scope="col">{m.columns.failed}</th>
                {manage && <th scope="col">{m.columns.action}</th>}
              </tr>
            </thead>
            <tbody>
              {items.map((item) => {
                const sentence = describeFailure(item, m);
                return (
                  <tr key={item.id}>
                    <td>
                      {item.email} <code>{item.inviteId}</code>
                    </td>
                    <td>
                      {sentence.message}
                      {sentence.action && ` ${sentence.action}`}
                      {/* The code is for support tickets; one the widget does not know is not echoed. */}
                      {isKnownCode(item.code) && <> <code>{item.code}</code></>}
                      {sentence.hubspotSaid && <span className={cls('said')}>{sentence.hubspotSaid}</span>}
                    </td>
                    <td>
                      <TimeAgo at={item.failedAt} now={now} format={m.timeAgo} />
                    </td>
                    {manage && (
                      <td>
                        {/* Every row's buttons say "Retry"/"Dismiss"; the labels say which result. */}
                        {item.retryable && (
                          <button {...button('secondary', () => onRetry([item.id]))} aria-label={m.retryLabel(item.email)}>
                            {m.retry}
                          </button>
                        )}
                        <button {...button('secondary', () => onDismiss([item.id]))} aria-label={m.dismissLabel(item.email)}>
                          {m.dismissFailure}
                        </button>
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <div className={cls('actions')}>
          {anyRetryable && <button {...button('primary', () => onRetry())}>{m.retryAll}</button>}
          {nextCursor && (
            <button {...button('secondary', onLoadMore, false)} aria-disabled={loading || undefined}>
              {m.loadMore}
            </button>
          )}
          <button {...button('secondary', onClose, false)}>{m.close}</button>
        </div>
      </section>
    </div>
  );
}
