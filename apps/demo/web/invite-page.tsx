import type { AssessmentInvite } from '@jobcannon/hubspot-core';
import { useEffect, useState } from 'react';
import { testLabel } from '../src/shared/assessments.js';
import { ApiError, demoApi } from './api.js';

/** `/business/dashboard/invites/<id>`: where `jc_result_url` on a HubSpot contact leads. */
export const INVITE_PATH = /^\/business\/dashboard\/invites\/([^/]+)\/?$/;

export function inviteIdFromPath(pathname: string): string | null {
  const match = INVITE_PATH.exec(pathname);
  return match ? decodeURIComponent(match[1]!) : null;
}

const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '—');

/** One candidate's invite with every score, as the admin sees it in JobCannon, and their other invites. */
export function InvitePage({ inviteId }: { inviteId: string }) {
  const [answer, setAnswer] = useState<{ invite: AssessmentInvite; others: AssessmentInvite[] } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setAnswer(null);
    demoApi.invite(inviteId).then(setAnswer, (failure: Error) => setError(failure instanceof ApiError && failure.status === 404 ? failure.message : `The invite could not be loaded: ${failure.message}`));
  }, [inviteId]);

  if (error) {
    return (
      <section className="card ui" aria-labelledby="invite-heading">
        <h2 id="invite-heading">Invite {inviteId}</h2>
        <p className="error" role="alert">
          {error}
        </p>
        <a href="/">Back to the dashboard</a>
      </section>
    );
  }
  if (!answer) return <p className="muted page-loading">Loading the invite…</p>;
  const { invite, others } = answer;
  const name = [invite.firstName, invite.lastName].filter(Boolean).join(' ');
  return (
    <section className="card ui invite-page" aria-labelledby="invite-heading" data-invite-id={invite.id}>
      <p>
        <a href="/">← Dashboard</a>
      </p>
      <h2 id="invite-heading">{name || invite.email}</h2>
      <InviteSummary invite={invite} showEmail={Boolean(name)} />
      <Scores invite={invite} />
      {others.length > 0 && (
        <>
          <h3>Other invites of {invite.email}</h3>
          <p className="muted">Their HubSpot contact shows the latest result of each test across all of them.</p>
          {others.map((other) => (
            <div key={other.id} className="other-invite" data-invite-id={other.id}>
              <p>
                <a href={`/business/dashboard/invites/${encodeURIComponent(other.id)}`}>
                  <code>{other.id}</code>
                </a>{' '}
                <InviteSummary invite={other} showEmail={false} />
              </p>
              <Scores invite={other} />
            </div>
          ))}
        </>
      )}
    </section>
  );
}

function InviteSummary({ invite, showEmail }: { invite: AssessmentInvite; showEmail: boolean }) {
  return (
    <span className="muted invite-summary">
      {showEmail && <>{invite.email} · </>}
      <code>{invite.id}</code> · invited {when(invite.createdAt)} · <span className={`status status-${invite.status}`}>{invite.status.replace('_', ' ')}</span>
      {invite.completedAt && <> · completed {when(invite.completedAt)}</>}
    </span>
  );
}

function Scores({ invite }: { invite: AssessmentInvite }) {
  return (
    <table className="invites scores">
      <thead>
        <tr>
          <th>Test</th>
          <th>Result</th>
          <th>Completed</th>
        </tr>
      </thead>
      <tbody>
        {invite.tests.map((test) => (
          <tr key={test.slug} data-test={test.slug}>
            <th scope="row">{testLabel(test.slug)}</th>
            <td>
              {test.status !== 'completed' || !test.result ? (
                <span className="muted">not finished yet</span>
              ) : test.result.code ? (
                <strong>{test.result.code}</strong>
              ) : typeof test.result.score === 'number' ? (
                <strong>{test.result.score}</strong>
              ) : (
                <ul className="dimensions">
                  {(test.result.dimensions ?? []).map((dimension) => (
                    <li key={dimension.name}>
                      {dimension.name} <strong>{dimension.score}</strong>
                      {typeof dimension.percentile === 'number' && <span className="muted"> ({dimension.percentile}th percentile)</span>}
                    </li>
                  ))}
                </ul>
              )}
            </td>
            <td>{when(test.completedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
