import { useState, type FormEvent } from 'react';
import { demoApi } from './api.js';

interface SignInProps {
  orgs: Array<{ id: string; name: string }>;
  roles: Array<'admin' | 'member'>;
  onSignedIn: () => void;
  /** Why sign-in is asked here (e.g. an invite link from HubSpot). */
  note?: string | null;
}

/** The demo's stand-in for JobCannon's sign-in: choose who you are, no password. */
export function SignIn({ orgs, roles, onSignedIn, note }: SignInProps) {
  const [orgId, setOrgId] = useState(orgs[0]?.id ?? '');
  const [role, setRole] = useState<string>(roles[0] ?? 'admin');
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await demoApi.signIn(orgId, role);
      onSignedIn();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  return (
    <main className="sign-in card ui">
      <h1>JobCannon</h1>
      {note && <p className="notice">{note}</p>}
      <p className="muted">Demo sign-in: pick an organization and a role. Admins can connect HubSpot; members only see its status.</p>
      <form onSubmit={(event) => void submit(event)}>
        <label htmlFor="org">Organization</label>
        <select id="org" value={orgId} onChange={(event) => setOrgId(event.target.value)}>
          {orgs.map((org) => (
            <option key={org.id} value={org.id}>
              {org.name}
            </option>
          ))}
        </select>
        <fieldset>
          <legend>Role</legend>
          {roles.map((name) => (
            <label key={name} className="inline">
              <input type="radio" name="role" value={name} checked={role === name} onChange={() => setRole(name)} /> {name}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="primary">
          Sign in
        </button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
