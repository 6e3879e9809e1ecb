import { HubSpotIntegrationRow } from '@jobcannon/hubspot-widget';
import { useCallback, useEffect, useState } from 'react';
import { demoApi, type Environment, type SessionAnswer, type SessionInfo } from './api.js';
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
  if (!answer.session) return <SignIn orgs={answer.orgs} roles={answer.roles} onSignedIn={load} />;
  return <Dashboard session={answer.session} onSignedOut={load} />;
}

function Dashboard({ session, onSignedOut }: { session: SessionInfo; onSignedOut: () => void }) {
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
        <button type="button" className="link-button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>

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

      {environment && (
        <footer className="muted">
          Database: {environment.databaseDescription} · HubSpot:{' '}
          {environment.hubspot === 'emulator' ? `local emulator at ${environment.emulatorUrl}` : 'your HubSpot app'}
        </footer>
      )}
    </div>
  );
}
