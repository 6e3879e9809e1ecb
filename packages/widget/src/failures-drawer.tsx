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
  messages: Messages;
  now: number;
  headingRef: RefObject<HTMLHeadingElement | null>;
  cls: (slot: SlotName) => string | undefined;
  button: ButtonProps;
  onClose(): void;
  onRetry(ids?: string[]): void;
  onLoadMore(): void;
  onReload(): void;
}

/**
 * The failed results, inline under the row rather than a modal: the admin often wants the row's
 * banner and the list side by side. A labelled region; focus moves to its heading on open and
 * back to the toggle on close (the row does that), Escape closes it.
 */
export function FailuresDrawer({ id, headingLevel, failures, messages: m, now, headingRef, cls, button, onClose, onRetry, onLoadMore, onReload }: FailuresDrawerProps) {
  const Heading = `h${Math.min(headingLevel + 1, 6)}` as 'h4';
  const headingId = `${id}-heading`;
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      onClose();
    }
  };
  const { items, total, loaded, loading, nextCursor } = failures;
  // Retry is offered only where it can help; the others need the invite corrected first.
  const anyRetryable = items.some((item) => item.retryable);
  return (
    <section id={id} role="region" aria-labelledby={headingId} aria-busy={loading || undefined} className={cls('drawer')} onKeyDown={onKeyDown}>
      <Heading id={headingId} ref={headingRef} tabIndex={-1}>
        {m.failuresTitle}
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
              <th scope="col">{m.columns.invite}</th>
              <th scope="col">{m.columns.reason}</th>
              <th scope="col">{m.columns.attempts}</th>
              <th scope="col">{m.columns.failed}</th>
              <th scope="col">{m.columns.action}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => {
              const sentence = describeFailure(item, m);
              return (
                <tr key={item.id}>
                  <td>{item.email}</td>
                  <td>
                    <code>{item.inviteId}</code>
                  </td>
                  <td>
                    {sentence.message}
                    {sentence.action && ` ${sentence.action}`}
                    {/* The code is for support tickets; one the widget does not know is not echoed. */}
                    {isKnownCode(item.code) && <> <code>{item.code}</code></>}
                    {sentence.hubspotSaid && <span className={cls('said')}>{sentence.hubspotSaid}</span>}
                  </td>
                  <td>{item.attempts}</td>
                  <td>
                    <TimeAgo at={item.failedAt} now={now} format={m.timeAgo} />
                  </td>
                  <td>
                    {/* Every row's button says "Retry"; the label says which result it retries. */}
                    {item.retryable && (
                      <button {...button('secondary', () => onRetry([item.id]))} aria-label={m.retryLabel(item.email)}>
                        {m.retry}
                      </button>
                    )}
                  </td>
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
  );
}
