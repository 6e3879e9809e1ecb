// The page's client for the demo's JSON API (src/demo-api.ts). Same-origin, cookie session.
import type { AssessmentInvite, EnqueueOutcome, TestSlug } from '@jobcannon/hubspot-core';
import type { RunSummary } from '@jobcannon/hubspot-sweep';
import type { TestResultInput } from '../src/shared/assessments.js';

export interface SessionInfo {
  orgId: string;
  orgName: string;
  role: 'admin' | 'member';
  userId: string;
}

export interface SessionAnswer {
  session: SessionInfo | null;
  orgs: Array<{ id: string; name: string }>;
  roles: Array<'admin' | 'member'>;
}

export interface Environment {
  database: 'embedded' | 'postgres';
  databaseDescription: string;
  hubspot: 'emulator' | 'hubspot';
  emulatorUrl: string | null;
  portalId: number | null;
  /** The signed-in admin may wipe the demo's data ("Reset demo"). */
  canReset: boolean;
}

/** What the invite form sends. */
export interface NewInvite {
  email: string;
  tests: TestSlug[];
  firstName?: string;
  lastName?: string;
}

/** A correction of an invite: its email, or one completed test's result. */
export interface InviteCorrection {
  email?: string;
  result?: TestResultInput;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/api${path}`, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  const data = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  if (!response.ok) throw new ApiError(response.status, data?.error?.code ?? `HTTP_${response.status}`, data?.error?.message ?? `The demo answered ${response.status}.`);
  return data as T;
}

export const demoApi = {
  session: () => call<SessionAnswer>('GET', '/session'),
  signIn: (orgId: string, role: string) => call<{ session: SessionInfo }>('POST', '/session', { orgId, role }),
  signOut: () => call<void>('DELETE', '/session'),
  environment: () => call<Environment>('GET', '/environment'),
  invites: () => call<{ items: AssessmentInvite[]; total: number }>('GET', '/invites?limit=50'),
  createInvite: (invite: NewInvite) => call<AssessmentInvite>('POST', '/invites', invite),
  invite: (id: string) => call<{ invite: AssessmentInvite; others: AssessmentInvite[] }>('GET', `/invites/${encodeURIComponent(id)}`),
  correctInvite: (id: string, correction: InviteCorrection) =>
    call<{ invite: AssessmentInvite; hubspot: EnqueueOutcome | null; dismissed: number }>('PATCH', `/invites/${encodeURIComponent(id)}`, correction),
  reset: () => call<{ resetting: true }>('POST', '/reset'),
  recordResult: (inviteId: string, result: TestResultInput) =>
    call<{ invite: AssessmentInvite; hubspot: EnqueueOutcome | null }>('POST', `/invites/${encodeURIComponent(inviteId)}/results`, result),
  sweep: () => call<RunSummary>('POST', '/sweep'),
};
