import type { Knex } from 'knex';
import { startEmulator, DEFAULT_APP, type Emulator, type EmulatorOptions } from '@jobcannon/hubspot-emulator';
import { createHubSpotIntegration } from '../integration/create-hubspot-integration.js';
import type { HubSpotIntegration, HubSpotIntegrationOptions } from '../integration/types.js';
import type { AssessmentInvite } from '../mapping/assessment-invite.js';
import type { Clock, Notification, Notifier } from '../ports/ports.js';

export const TEST_REDIRECT_URI = 'http://127.0.0.1:9/integrations/hubspot/callback';
export const TEST_RESULT_URL_BASE = 'https://app.jobcannon.io';
/** The nonce `connectOrg` keeps for its "browser" (connectUrl and completeOAuth need one). */
export const TEST_BROWSER_NONCE = 'test-browser-nonce-0123456789abcdef';

/** A clock tests move by hand; it starts at the real time so tokens and windows look normal. */
export interface MovableClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
}

export function createMovableClock(start = Date.now()): MovableClock {
  let current = start;
  return {
    now: () => current,
    advance(ms) {
      current += ms;
    },
    set(ms) {
      current = ms;
    },
  };
}

/** A notifier that remembers what it was asked to send. */
export function createRecordingNotifier(): Notifier & { sent: Notification[] } {
  const sent: Notification[] = [];
  return {
    sent,
    async notify(notification) {
      sent.push(notification);
    },
  };
}

export function startTestEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ port: 0, seed: 7, ...options });
}

/** An integration wired to the emulator with test-friendly defaults; override anything. */
export function createTestIntegration(
  db: Knex,
  emulator: Pick<Emulator, 'url'>,
  overrides: Partial<HubSpotIntegrationOptions> = {},
): HubSpotIntegration {
  return createHubSpotIntegration({
    db,
    hubspot: {
      clientId: DEFAULT_APP.clientId,
      clientSecret: DEFAULT_APP.clientSecret,
      redirectUri: TEST_REDIRECT_URI,
      apiBase: emulator.url,
      authBase: emulator.url,
    },
    encryption: { currentKeyId: TEST_ENCRYPTION_KEY_ID, keys: { [TEST_ENCRYPTION_KEY_ID]: TEST_ENCRYPTION_KEY } },
    resultUrlBase: TEST_RESULT_URL_BASE,
    pushOnEnqueue: false,
    requestTimeoutMs: 5_000,
    ...overrides,
  });
}

/** One key for every test process, so integrations in separate processes can read each other's rows. */
export const TEST_ENCRYPTION_KEY = process.env.JC_TEST_ENCRYPTION_KEY ?? 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
/** The id `createTestIntegration` files that key under (a CLI child process given the key needs it too). */
export const TEST_ENCRYPTION_KEY_ID = 'test';

/**
 * Connects an org to an emulator portal the way a browser would, minus the browser: our connect URL,
 * the emulator's consent (approve or deny), then our callback handling.
 */
export async function connectOrg(
  integration: HubSpotIntegration,
  emulator: Emulator,
  input: { orgId: string; userId?: string; hubId?: number; scopes?: string[]; allowPortalChange?: boolean; allowSharedPortal?: boolean },
) {
  const userId = input.userId ?? 'admin-1';
  // The same admin, signed in, in the browser that started: the callback a host's router makes.
  const browserNonce = TEST_BROWSER_NONCE;
  // Suites connect many orgs to the same emulator portal: confirmed shared unless a test says otherwise.
  const url = new URL(await integration.connectUrl({ orgId: input.orgId, userId, allowPortalChange: input.allowPortalChange, allowSharedPortal: input.allowSharedPortal ?? true, browserNonce }));
  const state = url.searchParams.get('state') ?? '';
  const consent = emulator.authorize({
    redirectUri: url.searchParams.get('redirect_uri') ?? TEST_REDIRECT_URI,
    scope: input.scopes ?? (url.searchParams.get('scope') ?? '').split(' '),
    state,
    hubId: input.hubId ?? 1001,
  });
  const result = await integration.completeOAuth({ code: consent.code ?? null, state, expectedOrgId: input.orgId, expectedUserId: userId, browserNonce });
  // The property setup runs in the background; suites want the connection ready, with its report.
  return { ...result, bootstrap: await result.setup };
}

/** A completed invite with DISC and IQ results; vary `index` for distinct candidates. */
export function completedInvite(orgId: string, index: number, overrides: Partial<AssessmentInvite> = {}): AssessmentInvite {
  const at = new Date(Date.UTC(2026, 4, 17, 14, 32) + index * 1_000).toISOString();
  return {
    id: `inv_${orgId}_${index}`,
    orgId,
    email: `candidate.${index}@example.com`,
    status: 'completed',
    createdAt: at,
    updatedAt: at,
    completedAt: at,
    tests: [
      {
        slug: 'disc',
        status: 'completed',
        completedAt: at,
        result: { dimensions: [{ name: 'Dominance', score: index % 101 }, { name: 'Influence', score: 50 }, { name: 'Steadiness', score: 40 }, { name: 'Conscientiousness', score: 30 }] },
      },
      { slug: 'iq', status: 'completed', completedAt: at, result: { score: 100 + (index % 50) } },
    ],
    ...overrides,
  };
}

/** The same candidate part-way through: DISC done, IQ not yet. */
export function partialInvite(orgId: string, index: number, overrides: Partial<AssessmentInvite> = {}): AssessmentInvite {
  const base = completedInvite(orgId, index);
  return {
    ...base,
    status: 'in_progress',
    completedAt: null,
    tests: [base.tests[0]!, { slug: 'iq', status: 'in_progress' }],
    ...overrides,
  };
}
