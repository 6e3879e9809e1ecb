import { HubSpotIntegrationRow } from '@jobcannon/hubspot-widget';
import { useCallback, useEffect, useState } from 'react';
import { demoApi, type Environment, type SessionAnswer, type SessionInfo } from './api.js';
import { InvitePage, inviteIdFromPath } from './invite-page.js';
import { InvitesPanel } from './invites-panel.js';
import { SignIn } from './sign-in.js';

export function App() {
  const [answer, setAnswer] = useState<SessionAnswer | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const load = useCallback(() => {
    demoApi.session().then(setAnswer, (error: Error) => setFailure(error.message));
  }, []);
  useEffect(load, [load]);

  if (failure) return <p className="page-error" role="alert">The demo server did not answer: {failure}</p>;
  if (!answer) return <p className="muted page-loading">Loading…</p>;
  // A link from HubSpot (`jc_result_url`) opens an invite; signed out, the sign-in comes first and
  // this same URL then shows the invite (the path is never left).
  const inviteId = inviteIdFromPath(window.location.pathname);
  if (!answer.session) return <SignIn orgs={answer.orgs} roles={answer.roles} onSignedIn={load} note={inviteId ? 'Sign in to see this candidate’s results; you come back here afterwards.' : null} />;
  return <Dashboard session={answer.session} onSignedOut={load} inviteId={inviteId} />;
}

function Dashboard({ session, onSignedOut, inviteId }: { session: SessionInfo; onSignedOut: () => void; inviteId: string | null }) {
  const [environment, setEnvironment] = useState<Environment | null>(null);
  // The row re-reads its status on its own only while it is syncing; after the panel changed
  // something (a completed invite, a sweep) it is remounted so it shows the new state at once.
  const [rowKey, setRowKey] = useState(0);

  const loadEnvironment = useCallback(() => {
    demoApi.environment().then(setEnvironment, () => setEnvironment(null));
  }, []);
  useEffect(loadEnvironment, [loadEnvironment]);

  const onQueued = useCallback(() => {
    setRowKey((key) => key + 1);
    loadEnvironment();
  }, [loadEnvironment]);

  const signOut = async () => {
    await demoApi.signOut();
    onSignedOut();
  };

  const emulatorLink =
    environment?.emulatorUrl &&
    (environment.portalId !== null ? `${environment.emulatorUrl}/_emulator/ui/portals/${environment.portalId}?refresh=3` : `${environment.emulatorUrl}/_emulator/ui`);

  return (
    <div className="page">
      <header className="topbar ui">
        <span className="brand">JobCannon</span>
        <span className="who" data-testid="who">
          {session.orgName} · {session.role}
        </span>
        {environment?.canReset && <ResetDemo />}
        <button type="button" className="link-button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>

      {inviteId ? (
        <main>
          <InvitePage inviteId={inviteId} />
        </main>
      ) : (
      <main>
        <section className="card" aria-labelledby="integrations-heading">
          <h2 id="integrations-heading">Integrations</h2>
          <HubSpotIntegrationRow key={rowKey} baseUrl="/integrations/hubspot" pollIntervalMs={1500} />
          {emulatorLink && (
            <p className="muted emulator-link">
              No real HubSpot here: a local emulator plays it.{' '}
              <a href={emulatorLink} target="_blank" rel="noreferrer" id="emulator-contacts-link">
                {environment?.portalId !== null ? `Open portal ${environment?.portalId}'s contacts in the emulator` : 'Open the emulator'}
              </a>
            </p>
          )}
        </section>

        <InvitesPanel isAdmin={session.role === 'admin'} onQueued={onQueued} />
      </main>
      )}

      {environment && (
        <footer className="muted">
          Database: {environment.databaseDescription} · HubSpot:{' '}
          {environment.hubspot === 'emulator' ? `local emulator at ${environment.emulatorUrl}` : 'your HubSpot app'}
        </footer>
      )}
    </div>
  );
}

/**
 * "Reset demo": asks once, then the server stops, deletes its data and starts clean. The page waits
 * for the new server (it answers signed out: sessions do not survive a reset) and opens the start.
 */
function ResetDemo() {
  const [asking, setAsking] = useState(false);
  const [state, setState] = useState<'idle' | 'resetting' | 'failed'>('idle');
  const [error, setError] = useState<string | null>(null);

  const reset = async () => {
    setState('resetting');
    try {
      await demoApi.reset();
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const answer = await demoApi.session().catch(() => null);
        if (answer && !answer.session) break;
      }
      window.location.assign('/');
    } catch (failure) {
      setState('failed');
      setError((failure as Error).message);
    }
  };

  if (state === 'resetting') return <span className="muted" role="status">Resetting the demo…</span>;
  if (!asking) {
    return (
      <button type="button" className="link-button" onClick={() => setAsking(true)}>
        Reset demo
      </button>
    );
  }
  return (
    <span className="reset-confirm" role="group" aria-label="Reset demo">
      <span>Delete every invite, the HubSpot connections and the emulator&apos;s contacts?</span>{' '}
      <button type="button" onClick={() => void reset()}>
        Delete and start clean
      </button>{' '}
      <button type="button" className="link-button" onClick={() => setAsking(false)}>
        Cancel
      </button>
      {error && (
        <span className="error" role="alert">
          {' '}
          {error}
        </span>
      )}
    </span>
  );
}
