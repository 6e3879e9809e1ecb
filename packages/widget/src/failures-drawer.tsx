import type { KeyboardEvent, RefObject } from 'react';
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
export function FailuresDrawer({ id, headingLevel, failures, now, headingRef, cls, button, onClose, onRetry, onLoadMore, onReload }: FailuresDrawerProps) {
  const Heading = `h${Math.min(headingLevel + 1, 6)}` as 'h4';
  const headingId = `${id}-heading`;
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      onClose();
    }
  };
  const { items, total, loaded, loading, nextCursor } = failures;
  return (
    <section id={id} role="region" aria-labelledby={headingId} aria-busy={loading || undefined} className={cls('drawer')} onKeyDown={onKeyDown}>
      <Heading id={headingId} ref={headingRef} tabIndex={-1}>
        Failed results
      </Heading>
      {loaded || loading ? (
        <p>{!loaded ? 'Loading failed results…' : total === 0 ? 'No failed results.' : `Showing ${items.length} of ${total}.`}</p>
      ) : (
        <p>
          The list could not be loaded. <button {...button('secondary', onReload, false)}>Try again</button>
        </p>
      )}
      {items.length > 0 && (
        <table className={cls('table')}>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Invite</th>
              <th scope="col">Reason</th>
              <th scope="col">Attempts</th>
              <th scope="col">Failed</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.id}>
                <td>{item.email}</td>
                <td>
                  <code>{item.inviteId}</code>
                </td>
                <td>
                  {item.reason} <code>{item.errorCode}</code>
                </td>
                <td>{item.attempts}</td>
                <td>
                  <TimeAgo at={item.failedAt} now={now} />
                </td>
                <td>
                  {/* Every row's button says "Retry"; the label says which result it retries. */}
                  <button {...button('secondary', () => onRetry([item.id]))} aria-label={`Retry ${item.email}`}>
                    Retry
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className={cls('actions')}>
        {items.length > 0 && <button {...button('primary', () => onRetry())}>Retry all</button>}
        {nextCursor && (
          <button {...button('secondary', onLoadMore, false)} aria-disabled={loading || undefined}>
            Load more
          </button>
        )}
        <button {...button('secondary', onClose, false)}>Close</button>
      </div>
    </section>
  );
}
