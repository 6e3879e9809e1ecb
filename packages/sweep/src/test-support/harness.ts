// The sweep's suites on core's test-support: the same integration, emulator, OAuth dance and
// invites as core's own suites. Only what is the sweep's own lives here: six portals (one per org
// of a suite), the CLI's environment and the host's paged in-progress query.
import { silentLogger, type AssessmentInvite, type HubSpotIntegration, type HubSpotIntegrationOptions, type InProgressInviteSource } from '@jobcannon/hubspot-core';
import {
  TEST_ENCRYPTION_KEY,
  TEST_ENCRYPTION_KEY_ID,
  TEST_REDIRECT_URI,
  TEST_RESULT_URL_BASE,
  connectOrg as coreConnectOrg,
  createTestIntegration as coreCreateTestIntegration,
  partialInvite,
  startTestEmulator as coreStartTestEmulator,
} from '@jobcannon/hubspot-core/test-support';
import { DEFAULT_APP, type Emulator, type EmulatorOptions } from '@jobcannon/hubspot-emulator';
import { vi } from 'vitest';
import type { Database } from './test-database.js';

export { completedInvite, partialInvite, TEST_ENCRYPTION_KEY, TEST_REDIRECT_URI, TEST_RESULT_URL_BASE } from '@jobcannon/hubspot-core/test-support';

/** Portals 1001-1006: one per org in a suite, so contacts never mix between tests. */
export const TEST_PORTALS = [1001, 1002, 1003, 1004, 1005, 1006].map((hubId) => ({
  hubId,
  domain: `portal-${hubId}.hubspot.com`,
  name: `Portal ${hubId}`,
  userEmail: `admin@portal-${hubId}.com`,
  userId: hubId + 6_000,
}));

export function startTestEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return coreStartTestEmulator({ seed: 23, portals: TEST_PORTALS, ...options });
}

/** Core's test integration (it only enqueues: pushes happen in the jobs' drains), quiet. */
export function createTestIntegration(db: Database, emulator: Emulator, overrides: Partial<HubSpotIntegrationOptions> = {}): HubSpotIntegration {
  return coreCreateTestIntegration(db, emulator, { logger: silentLogger, ...overrides });
}

/** The CLI's environment for the same database and emulator (and core's test key, so it reads the tokens stored here). */
export function cliEnv(databaseUrl: string, emulator: Emulator): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    HUBSPOT_CLIENT_ID: DEFAULT_APP.clientId,
    HUBSPOT_CLIENT_SECRET: DEFAULT_APP.clientSecret,
    HUBSPOT_REDIRECT_URI: TEST_REDIRECT_URI,
    HUBSPOT_API_BASE: emulator.url,
    HUBSPOT_AUTH_BASE: emulator.url,
    TOKEN_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    TOKEN_ENCRYPTION_KEY_ID: TEST_ENCRYPTION_KEY_ID,
    JOBCANNON_RESULT_URL_BASE: TEST_RESULT_URL_BASE,
  };
}

/** Core's connectOrg with the sweep suites' positional portal. */
export async function connectOrg(integration: HubSpotIntegration, emulator: Emulator, orgId: string, hubId = 1001): Promise<void> {
  await coreConnectOrg(integration, emulator, { orgId, hubId });
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

/** Polls `probe` (vitest's waitFor) until it gives a value that is not null, undefined or false. */
export function waitFor<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await probe();
      if (value === null || value === undefined || value === false) throw new Error(`timed out waiting for ${what}`);
      return value;
    },
    { timeout: timeoutMs, interval: 50 },
  );
}
