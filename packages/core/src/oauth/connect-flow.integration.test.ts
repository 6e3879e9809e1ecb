import type { Emulator } from '@jobcannon/hubspot-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHubSpotKitError } from '../errors.js';
import type { HubSpotIntegration } from '../integration/types.js';
import { createTestIntegration, startTestEmulator, TEST_REDIRECT_URI } from '../test-support/integration-harness.js';
import { createPostgresTestDatabase, type PostgresTestDatabase } from '../test-support/test-databases.js';

const NONCE = 'browser-nonce-of-the-admin-who-started-0001';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isHubSpotKitError(error) ? error.code : String(error);
  }
  return 'resolved';
}

/**
 * completeOAuth is bound to who started the connect, and where. Before this change `expectedOrgId`
 * was checked only when given (fail open), there was no user or browser binding, and a callback
 * with nobody signed in connected the starter's org to whichever portal the approver picked.
 */
describe('connect flow: the state is bound to the user, the org and the browser', () => {
  let emulator: Emulator;
  let database: PostgresTestDatabase;
  let integration: HubSpotIntegration;
  let seq = 0;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    database = await createPostgresTestDatabase('connect_flow');
    integration = createTestIntegration(database.db, emulator);
    await integration.migrate();
  });
  afterAll(async () => {
    await integration?.close();
    await emulator?.close();
    await database?.drop();
  });

  /** connectUrl for org/user, then the emulator's consent on `hubId`: the code and state HubSpot sends back. */
  async function consented(orgId: string, userId = 'admin-1', hubId = 1001) {
    const url = new URL(await integration.connectUrl({ orgId, userId, browserNonce: NONCE }));
    const state = url.searchParams.get('state') ?? '';
    const consent = emulator.authorize({ redirectUri: TEST_REDIRECT_URI, scope: (url.searchParams.get('scope') ?? '').split(' '), state, hubId });
    return { code: consent.code ?? null, state };
  }
  const nextOrg = () => `org-bound-${++seq}`;
  const exchanges = () => emulator.requests({ route: 'oauth.token' }).length;

  it('completes for the same user and org in the same browser', async () => {
    const orgId = nextOrg();
    const result = await integration.completeOAuth({ ...(await consented(orgId)), expectedOrgId: orgId, expectedUserId: 'admin-1', browserNonce: NONCE });
    expect(result).toMatchObject({ orgId, userId: 'admin-1', portal: { id: 1001 } });
  });

  it.each([
    ['nobody signed in (the attack: a consent link opened in a browser without a session)', { expectedOrgId: null, expectedUserId: null, browserNonce: null }, 'UNAUTHENTICATED'],
    ['only the org given', { expectedOrgId: 'SAME', expectedUserId: null, browserNonce: NONCE }, 'UNAUTHENTICATED'],
    ['a member of another org', { expectedOrgId: 'org-globex', expectedUserId: 'admin-1', browserNonce: NONCE }, 'OAUTH_ORG_MISMATCH'],
    ['another user of the same org', { expectedOrgId: 'SAME', expectedUserId: 'admin-2', browserNonce: NONCE }, 'OAUTH_USER_MISMATCH'],
    ['the right user in a browser without the nonce', { expectedOrgId: 'SAME', expectedUserId: 'admin-1', browserNonce: null }, 'OAUTH_BROWSER_MISMATCH'],
    ['the right user in a browser with another nonce', { expectedOrgId: 'SAME', expectedUserId: 'admin-1', browserNonce: `${NONCE}-other` }, 'OAUTH_BROWSER_MISMATCH'],
  ])('refuses %s before any code exchange, and burns the state', async (_, caller, code) => {
    const orgId = nextOrg();
    const callback = await consented(orgId);
    const expected = { ...caller, expectedOrgId: caller.expectedOrgId === 'SAME' ? orgId : caller.expectedOrgId };
    const before = exchanges();
    expect(await codeOf(integration.completeOAuth({ ...callback, ...expected }))).toBe(code);
    expect(exchanges()).toBe(before);
    expect((await integration.status(orgId)).status).toBe('not_connected');
    // Single use: not even the right caller can finish it now.
    expect(await codeOf(integration.completeOAuth({ ...callback, expectedOrgId: orgId, expectedUserId: 'admin-1', browserNonce: NONCE }))).toBe('OAUTH_STATE_INVALID');
  });

  it('refuses a state whose nonce part was swapped (it is another, unknown state)', async () => {
    const orgId = nextOrg();
    const { code, state } = await consented(orgId);
    const forged = `${state.slice(0, 43)}${'A'.repeat(43)}`;
    expect(await codeOf(integration.completeOAuth({ code, state: forged, expectedOrgId: orgId, expectedUserId: 'admin-1', browserNonce: 'anything-the-attacker-likes' }))).toBe('OAUTH_STATE_INVALID');
  });

  it('needs a browser nonce to start', async () => {
    expect(await codeOf(integration.connectUrl({ orgId: nextOrg(), userId: 'admin-1', browserNonce: 'short' }))).toBe('BAD_REQUEST');
    expect(await codeOf(integration.connectUrl({ orgId: nextOrg(), userId: 'admin-1' } as never))).toBe('BAD_REQUEST');
  });
});
