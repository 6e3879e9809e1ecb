import type { Emulator } from '@jobcannon/hubspot-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isHubSpotKitError } from '../errors.js';
import type { HubSpotIntegration } from '../integration/types.js';
import { connectOrg, createMovableClock, createTestIntegration, startTestEmulator, type MovableClock } from '../test-support/integration-harness.js';
import { createPostgresTestDatabase, type PostgresTestDatabase } from '../test-support/test-databases.js';

const HUB = 1001;
const ACCESS_TOKEN_LIFETIME_MS = 30 * 60_000;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isHubSpotKitError(error) ? error.code : String(error);
  }
  return 'resolved';
}

/**
 * The specs promise token errors only as `{category, correlationId, message}`. Before this change
 * the keeper decided "revoked" from `error` / `status` alone, so against such a body an
 * uninstalled app read as a transient TOKEN_REFRESH_FAILED forever (never must_reconnect, never
 * an alert); now an unexplained 400 is settled by introspecting the refresh token.
 */
describe('token refresh against either error body shape', () => {
  let emulator: Emulator;
  let database: PostgresTestDatabase;
  let integration: HubSpotIntegration | null = null;
  let clock: MovableClock;
  let seq = 0;
  /** Refresh calls answered with the spec's generic 400 instead of reaching the emulator. */
  let fakeAmbiguousRefreshes = 0;

  const fetchWithAmbiguous400: typeof globalThis.fetch = async (input, init) => {
    const body = typeof init?.body === 'string' ? init.body : '';
    if (fakeAmbiguousRefreshes > 0 && String(input).endsWith('/oauth/2026-03/token') && body.includes('grant_type=refresh_token')) {
      fakeAmbiguousRefreshes -= 1;
      return new Response(JSON.stringify({ category: 'VALIDATION_ERROR', correlationId: 'c-ambiguous', message: 'Something about the request' }), { status: 400 });
    }
    return globalThis.fetch(input, init);
  };

  beforeAll(async () => {
    emulator = await startTestEmulator({ tokenErrorBody: 'spec' });
    database = await createPostgresTestDatabase('token_keeper');
  });
  afterEach(async () => {
    await integration?.close();
    integration = null;
  });
  afterAll(async () => {
    await emulator?.close();
    await database?.drop();
  });

  async function connected(): Promise<string> {
    clock = createMovableClock();
    integration = createTestIntegration(database.db, emulator, { clock, fetch: fetchWithAmbiguous400 });
    await integration.migrate();
    const orgId = `org-refresh-${++seq}`;
    await connectOrg(integration, emulator, { orgId, hubId: HUB });
    // The stored access token is now due for refresh (the emulator's own is still valid).
    clock.advance(ACCESS_TOKEN_LIFETIME_MS);
    return orgId;
  }

  it('an uninstalled app answering only {category, correlationId, message} turns the connection must_reconnect', async () => {
    const orgId = await connected();
    emulator.uninstall(HUB);
    const introspections = emulator.requests({ route: 'oauth.introspect' }).length;
    expect(await codeOf(integration!.resync(orgId))).toBe('MUST_RECONNECT');
    expect(emulator.requests({ route: 'oauth.introspect' }).length).toBe(introspections + 1);
    expect(await integration!.status(orgId)).toMatchObject({ status: 'must_reconnect', lastError: { code: 'MUST_RECONNECT' } });
  });

  it('an unexplained 400 while the refresh token is still active is transient: the connection stays', async () => {
    const orgId = await connected();
    fakeAmbiguousRefreshes = 1;
    expect(await codeOf(integration!.resync(orgId))).toBe('TOKEN_REFRESH_FAILED');
    expect((await integration!.status(orgId)).status).toBe('connected');
  });
});
