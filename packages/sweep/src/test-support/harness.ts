import {
  createHubSpotIntegration,
  silentLogger,
  type AssessmentInvite,
  type HubSpotIntegration,
  type HubSpotIntegrationOptions,
  type InProgressInviteSource,
} from '@jobcannon/hubspot-core';
import { DEFAULT_APP, startEmulator, type Emulator, type EmulatorOptions } from '@jobcannon/hubspot-emulator';
import type { Database } from './test-database.js';

export const TEST_REDIRECT_URI = 'http://127.0.0.1:9/integrations/hubspot/callback';
export const TEST_RESULT_URL_BASE = 'https://app.jobcannon.io';
/** One fixed key, so the CLI child process decrypts the tokens the test process stored. */
export const TEST_ENCRYPTION_KEY = 'c3dlZXAtdGVzdC1rZXktMzItYnl0ZXMtbG9uZy4uLi4=';
export const TEST_KEY_ID = 'k1';

/** Portals 1001-1006: one per org in a suite, so contacts never mix between tests. */
export const TEST_PORTALS = [1001, 1002, 1003, 1004, 1005, 1006].map((hubId) => ({
  hubId,
  domain: `portal-${hubId}.hubspot.com`,
  name: `Portal ${hubId}`,
  userEmail: `admin@portal-${hubId}.com`,
  userId: hubId + 6_000,
}));

export function startTestEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ port: 0, seed: 23, portals: TEST_PORTALS, ...options });
}

/** An integration on the emulator that only enqueues (pushes happen in the jobs' drains). */
export function createTestIntegration(db: Database, emulator: Emulator, overrides: Partial<HubSpotIntegrationOptions> = {}): HubSpotIntegration {
  return createHubSpotIntegration({
    db,
    hubspot: { clientId: DEFAULT_APP.clientId, clientSecret: DEFAULT_APP.clientSecret, redirectUri: TEST_REDIRECT_URI, apiBase: emulator.url, authBase: emulator.url },
    encryption: { currentKeyId: TEST_KEY_ID, keys: { [TEST_KEY_ID]: TEST_ENCRYPTION_KEY } },
    resultUrlBase: TEST_RESULT_URL_BASE,
    pushOnEnqueue: false,
    requestTimeoutMs: 5_000,
    logger: silentLogger,
    ...overrides,
  });
}

/** The CLI's environment for the same database and emulator. */
export function cliEnv(databaseUrl: string, emulator: Emulator): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    HUBSPOT_CLIENT_ID: DEFAULT_APP.clientId,
    HUBSPOT_CLIENT_SECRET: DEFAULT_APP.clientSecret,
    HUBSPOT_REDIRECT_URI: TEST_REDIRECT_URI,
    HUBSPOT_API_BASE: emulator.url,
    HUBSPOT_AUTH_BASE: emulator.url,
    TOKEN_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    TOKEN_ENCRYPTION_KEY_ID: TEST_KEY_ID,
    JOBCANNON_RESULT_URL_BASE: TEST_RESULT_URL_BASE,
  };
}

/** Connects an org the way a browser would, minus the browser: connect URL, emulator consent, callback. */
export async function connectOrg(integration: HubSpotIntegration, emulator: Emulator, orgId: string, hubId = 1001): Promise<void> {
  const url = new URL(await integration.connectUrl({ orgId, userId: 'admin-1' }));
  const state = url.searchParams.get('state') ?? '';
  const consent = emulator.authorize({
    redirectUri: url.searchParams.get('redirect_uri') ?? TEST_REDIRECT_URI,
    scope: (url.searchParams.get('scope') ?? '').split(' '),
    state,
    hubId,
  });
  await integration.completeOAuth({ code: consent.code ?? null, state });
}

const at = (index: number, offsetMs = 0) => new Date(Date.UTC(2026, 4, 17, 9, 0) + index * 1_000 + offsetMs).toISOString();

/** Candidate `index` of `orgId` part-way through: DISC done, IQ still in progress. */
export function partialInvite(orgId: string, index: number): AssessmentInvite {
  const time = at(index);
  return {
    id: `inv_${orgId}_${index}`,
    orgId,
    email: `candidate.${index}@example.com`,
    status: 'in_progress',
    createdAt: time,
    updatedAt: time,
    completedAt: null,
    tests: [
      {
        slug: 'disc',
        status: 'completed',
        completedAt: time,
        result: { dimensions: [{ name: 'Dominance', score: index % 101 }, { name: 'Influence', score: 50 }, { name: 'Steadiness', score: 40 }, { name: 'Conscientiousness', score: 30 }] },
      },
      { slug: 'iq', status: 'in_progress' },
    ],
  };
}

/** The same candidate having finished, a minute later. */
export function completedInvite(orgId: string, index: number, overrides: Partial<AssessmentInvite> = {}): AssessmentInvite {
  const partial = partialInvite(orgId, index);
  const time = at(index, 60_000);
  return {
    ...partial,
    status: 'completed',
    updatedAt: time,
    completedAt: time,
    tests: [partial.tests[0]!, { slug: 'iq', status: 'completed', completedAt: time, result: { score: 100 + (index % 50) } }],
    ...overrides,
  };
}

export interface GeneratedSource {
  source: InProgressInviteSource;
  /** Pages handed out so far, per org. */
  pagesServed: Map<string, number>;
}

/**
 * The host's paged query, simulated: `count` in-progress invites per org in pages of `pageSize`, each
 * page built only when the sweep asks for it (as a keyset-paginated SELECT would be).
 */
export function generatedSource(
  count: number,
  pageSize: number,
  hooks: { onPull?: (orgId: string, page: number) => void | Promise<void>; onlyOrg?: string } = {},
): GeneratedSource {
  const pagesServed = new Map<string, number>();
  return {
    pagesServed,
    source: async function* inProgressInvites(orgId: string) {
      // Suites share a database: other tests' orgs are connected too, and have nothing in progress here.
      if (hooks.onlyOrg !== undefined && orgId !== hooks.onlyOrg) return;
      for (let start = 0, page = 0; start < count; start += pageSize, page += 1) {
        await hooks.onPull?.(orgId, page);
        const invites: AssessmentInvite[] = [];
        for (let index = start; index < Math.min(count, start + pageSize); index += 1) invites.push(partialInvite(orgId, index));
        pagesServed.set(orgId, page + 1);
        yield invites;
      }
    },
  };
}

export async function waitFor<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
