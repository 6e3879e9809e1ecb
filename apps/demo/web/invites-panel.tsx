import type { AssessmentInvite, TestSlug } from '@jobcannon/hubspot-core';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { TESTS, randomEmail, randomResult, randomTests, testLabel } from '../src/shared/assessments.js';
import { demoApi, type InviteCorrection, type NewInvite } from './api.js';

type AssignedTest = AssessmentInvite['tests'][number];

interface InvitesPanelProps {
  isAdmin: boolean;
  /** Something was queued for HubSpot (an invite completed, a sweep ran). */
  onQueued: () => void;
}

/** JobCannon's side of the story: invite candidates, let them finish tests, watch the statuses. */
export function InvitesPanel({ isAdmin, onQueued }: InvitesPanelProps) {
  const [invites, setInvites] = useState<AssessmentInvite[]>([]);
  const [total, setTotal] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ done: number; of: number } | null>(null);

  const reload = useCallback(async () => {
    const page = await demoApi.invites();
    setInvites(page.items);
    setTotal(page.total);
  }, []);
  useEffect(() => {
    reload().catch((failure: Error) => setError(failure.message));
  }, [reload]);

  /** Runs one user action: one at a time, errors shown, the list re-read afterwards. True when it worked. */
  const run = async (action: () => Promise<string | null>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      setNotice(await action());
      return true;
    } catch (failure) {
      setError((failure as Error).message);
      return false;
    } finally {
      setBusy(false);
      await reload().catch(() => undefined);
    }
  };

  /** Records random scores for the given open tests; reports whether the invite completed. */
  const complete = async (invite: AssessmentInvite, slugs: TestSlug[]): Promise<boolean> => {
    let completed = false;
    for (const slug of slugs) {
      const { invite: updated, hubspot } = await demoApi.recordResult(invite.id, randomResult(slug));
      completed = updated.status === 'completed' && hubspot !== null;
    }
    return completed;
  };

  const completeInvite = (invite: AssessmentInvite, slugs: TestSlug[]) =>
    run(async () => {
      const completed = await complete(invite, slugs);
      if (!completed) return `Recorded ${slugs.map(testLabel).join(', ')} for ${invite.email}.`;
      onQueued();
      return `${invite.email} completed every test: queued for HubSpot in the same transaction.`;
    });

  const generate = (count: number) =>
    run(async () => {
      setProgress({ done: 0, of: count });
      try {
        for (let index = 0; index < count; index += 1) {
          const invite = await demoApi.createInvite({ email: randomEmail(), tests: randomTests() });
          await complete(invite, invite.tests.map((test) => test.slug));
          setProgress({ done: index + 1, of: count });
        }
      } finally {
        onQueued();
      }
      return `Generated ${count} completed invite${count === 1 ? '' : 's'}.`;
    });

  const sweep = () =>
    run(async () => {
      const run = await demoApi.sweep();
      onQueued();
      if (!run.ran) return `The sweep did not run (${run.skipped === 'not-leader' ? 'another run is in progress' : 'the server is stopping'}).`;
      const queued = run.enqueued ?? 0;
      // The kit pushes what the sweep queued at once, in the background, so the run's own push
      // count is usually 0 by the time it answers: the row's "Last sync" and recent pushes show it.
      const kept = run.kept ? ` (${run.kept} kept: a completed result is already there)` : '';
      return `Sweep: ${queued} in-progress invite${queued === 1 ? '' : 's'} queued as partial results across ${run.orgs ?? 0} connected org${run.orgs === 1 ? '' : 's'}${kept}; the kit sends them now (see the HubSpot row).`;
    });

  return (
    <section className="card ui" aria-labelledby="invites-heading">
      <h2 id="invites-heading">Assessment invites</h2>
      <p className="muted">
        This panel is the JobCannon side. When an invite&apos;s last test is done, the demo marks it completed and calls{' '}
        <code>integration.enqueue(invite, trx)</code> in the same database transaction.
      </p>

      <div className="forms">
        <CreateInviteForm disabled={busy} onCreate={(invite) => run(async () => `Invited ${(await demoApi.createInvite(invite)).email}.`)} />
        <GenerateForm disabled={busy} progress={progress} onGenerate={generate} />
      </div>

      {isAdmin && (
        <p>
          <button type="button" disabled={busy} onClick={() => void sweep()}>
            Run the nightly sweep now
          </button>{' '}
          <span className="muted">sends every in-progress invite as a partial result.</span>
        </p>
      )}

      <div aria-live="polite">
        {notice && <p className="notice">{notice}</p>}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </div>

      <InvitesTable
        invites={invites}
        total={total}
        busy={busy}
        onComplete={(invite, slugs) => void completeInvite(invite, slugs)}
        onCorrect={(invite, corrections) =>
          run(async () => {
            let dismissed = 0;
            for (const correction of corrections) dismissed += (await demoApi.correctInvite(invite.id, correction)).dismissed;
            onQueued();
            const old = dismissed > 0 ? ` The failure of the old address was dismissed.` : '';
            return `Corrected ${invite.id}: its newer result is queued for HubSpot and replaces the failed one.${old}`;
          })
        }
      />
    </section>
  );
}

function CreateInviteForm({ disabled, onCreate }: { disabled: boolean; onCreate: (invite: NewInvite) => Promise<boolean> }) {
  const [email, setEmail] = useState('');
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');
  const [tests, setTests] = useState<TestSlug[]>(['disc', 'big-five']);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // Kept on a refusal (the reason shows below), so the typo can be fixed in place.
    if (!(await onCreate({ email, tests, firstName, lastName }))) return;
    setEmail('');
    setFirstName('');
    setLastName('');
  };
  const toggle = (slug: TestSlug) => setTests((current) => (current.includes(slug) ? current.filter((item) => item !== slug) : [...current, slug]));

  return (
    <form className="subcard" onSubmit={(event) => void submit(event)} aria-labelledby="create-heading">
      <h3 id="create-heading">New invite</h3>
      <div className="name-fields">
        <span>
          <label htmlFor="invite-first-name">First name</label>
          <input id="invite-first-name" type="text" autoComplete="off" value={firstName} onChange={(event) => setFirstName(event.target.value)} placeholder="Ada" />
        </span>
        <span>
          <label htmlFor="invite-last-name">Last name</label>
          <input id="invite-last-name" type="text" autoComplete="off" value={lastName} onChange={(event) => setLastName(event.target.value)} placeholder="Lovelace" />
        </span>
      </div>
      <label htmlFor="invite-email">Candidate email</label>
      {/* type=text: the server applies HubSpot's rules and says why an address is refused. */}
      <input id="invite-email" type="text" inputMode="email" autoComplete="off" required value={email} onChange={(event) => setEmail(event.target.value)} placeholder="ada@example.com" />
      <fieldset>
        <legend>Tests</legend>
        {TESTS.map((test) => (
          <label key={test.slug} className="inline">
            <input type="checkbox" checked={tests.includes(test.slug)} onChange={() => toggle(test.slug)} /> {test.label}
          </label>
        ))}
      </fieldset>
      <button type="submit" className="primary" disabled={disabled || tests.length === 0}>
        Create invite
      </button>
    </form>
  );
}

function GenerateForm({ disabled, progress, onGenerate }: { disabled: boolean; progress: { done: number; of: number } | null; onGenerate: (count: number) => Promise<unknown> }) {
  const [count, setCount] = useState(10);
  return (
    <form
      className="subcard"
      aria-labelledby="generate-heading"
      onSubmit={(event) => {
        event.preventDefault();
        void onGenerate(count);
      }}
    >
      <h3 id="generate-heading">Random candidates</h3>
      <label htmlFor="generate-count">How many</label>
      <input id="generate-count" type="number" min={1} max={500} value={count} onChange={(event) => setCount(Math.max(1, Math.min(500, Number(event.target.value) || 1)))} />
      <button type="submit" disabled={disabled}>
        Generate {count} completed invites
      </button>
      {progress && (
        <p className="progress">
          <progress max={progress.of} value={progress.done} aria-label="Generated invites" /> {progress.done} of {progress.of}
        </p>
      )}
    </form>
  );
}

interface InvitesTableProps {
  invites: AssessmentInvite[];
  total: number;
  busy: boolean;
  onComplete: (invite: AssessmentInvite, slugs: TestSlug[]) => void;
  onCorrect: (invite: AssessmentInvite, corrections: InviteCorrection[]) => Promise<boolean>;
}

function InvitesTable({ invites, total, busy, onComplete, onCorrect }: InvitesTableProps) {
  const [correcting, setCorrecting] = useState<string | null>(null);
  if (invites.length === 0) return <p className="muted">No invites yet.</p>;
  return (
    <>
      <table className="invites">
        <thead>
          <tr>
            <th>Candidate</th>
            <th>Tests</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {invites.map((invite) => {
            const open = invite.tests.filter((test) => test.status !== 'completed').map((test) => test.slug);
            return (
              <tr key={invite.id} data-invite-id={invite.id} data-status={invite.status}>
                <td className="candidate">
                  {(invite.firstName || invite.lastName) && (
                    <>
                      {[invite.firstName, invite.lastName].filter(Boolean).join(' ')}
                      <br />
                    </>
                  )}
                  <span className="email">{invite.email}</span>
                  <br />
                  <a className="muted" href={`/business/dashboard/invites/${encodeURIComponent(invite.id)}`}>
                    <code>{invite.id}</code>
                  </a>
                  {correcting === invite.id && (
                    <CorrectForm
                      invite={invite}
                      disabled={busy}
                      onCancel={() => setCorrecting(null)}
                      onSubmit={async (corrections) => {
                        if (await onCorrect(invite, corrections)) setCorrecting(null);
                      }}
                    />
                  )}
                </td>
                <td>
                  {invite.tests.map((test) => (
                    <TestChip key={test.slug} test={test} disabled={busy} onComplete={() => onComplete(invite, [test.slug])} />
                  ))}
                </td>
                <td>
                  <span className={`status status-${invite.status}`}>{invite.status.replace('_', ' ')}</span>
                </td>
                <td>
                  {open.length > 0 && (
                    <button type="button" disabled={busy} onClick={() => onComplete(invite, open)}>
                      Complete with random scores
                    </button>
                  )}
                  {invite.status === 'completed' && correcting !== invite.id && (
                    <button type="button" disabled={busy} onClick={() => setCorrecting(invite.id)} aria-label={`Correct ${invite.email}`}>
                      Correct…
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {total > invites.length && <p className="muted">Showing the newest {invites.length} of {total}.</p>}
    </>
  );
}

function TestChip({ test, disabled, onComplete }: { test: AssignedTest; disabled: boolean; onComplete: () => void }) {
  if (test.status === 'completed') {
    return (
      <span className="chip done" title={summarize(test)}>
        {testLabel(test.slug)} ✓ <small>{summarize(test)}</small>
      </span>
    );
  }
  return (
    <button type="button" className="chip" disabled={disabled} onClick={onComplete} title={`Record a random ${testLabel(test.slug)} result`}>
      {testLabel(test.slug)} …
    </button>
  );
}

/** "D 40 · I 55 · S 20 · C 70", "112", "INTJ". */
function summarize(test: AssignedTest): string {
  const result = test.result;
  if (!result) return '';
  if (result.code) return result.code;
  if (typeof result.score === 'number') return String(result.score);
  return (result.dimensions ?? []).map((dimension) => `${dimension.name.slice(0, 1)} ${dimension.score}`).join(' · ');
}

/**
 * Fixing what HubSpot or the kit refused: the email, or a score typed wrong. Each change is one
 * correction (a newer snapshot of the invite), sent in turn.
 */
function CorrectForm({ invite, disabled, onSubmit, onCancel }: { invite: AssessmentInvite; disabled: boolean; onSubmit: (corrections: InviteCorrection[]) => Promise<void>; onCancel: () => void }) {
  const scored = invite.tests.filter((test) => test.status === 'completed' && typeof test.result?.score === 'number');
  const [email, setEmail] = useState(invite.email);
  const [scores, setScores] = useState<Record<string, string>>(Object.fromEntries(scored.map((test) => [test.slug, String(test.result!.score)])));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const corrections: InviteCorrection[] = [];
    if (email.trim() !== invite.email) corrections.push({ email: email.trim() });
    for (const test of scored) {
      const value = Number(scores[test.slug]);
      if (Number.isFinite(value) && value !== test.result!.score) corrections.push({ result: { slug: test.slug, score: value } });
    }
    if (corrections.length === 0) onCancel();
    else void onSubmit(corrections);
  };

  return (
    <form className="correct-form" onSubmit={submit} aria-label={`Correct invite ${invite.id}`}>
      <label htmlFor={`correct-email-${invite.id}`}>Email</label>
      <input id={`correct-email-${invite.id}`} type="text" inputMode="email" value={email} onChange={(event) => setEmail(event.target.value)} />
      {scored.map((test) => (
        <span key={test.slug}>
          <label htmlFor={`correct-${test.slug}-${invite.id}`}>{testLabel(test.slug)} score</label>
          <input
            id={`correct-${test.slug}-${invite.id}`}
            type="number"
            value={scores[test.slug] ?? ''}
            onChange={(event) => setScores((current) => ({ ...current, [test.slug]: event.target.value }))}
          />
        </span>
      ))}
      <p>
        <button type="submit" className="primary" disabled={disabled}>
          Save and send again
        </button>{' '}
        <button type="button" className="link-button" onClick={onCancel}>
          Cancel
        </button>
      </p>
    </form>
  );
}
