import { describe, expect, it } from 'vitest';
import { isHubSpotKitError } from '../errors.js';
import { createOAuthClient, grantErrorFrom, LEGACY_UNINSTALL_PATH, UNINSTALL_PATH } from './oauth-client.js';

const API = 'https://api.hubspot.test';

/** A fetch answering each path with the given status, recording the calls. */
function fakeFetch(answers: Record<string, number>) {
  const calls: Array<{ method: string; path: string }> = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const path = new URL(String(input)).pathname;
    calls.push({ method: init?.method ?? 'GET', path });
    const status = answers[path] ?? 500;
    return new Response(status === 204 ? null : '{}', { status });
  };
  return { calls, fetch: fetch as typeof globalThis.fetch };
}

const client = (fetch: typeof globalThis.fetch) =>
  createOAuthClient({ clientId: 'id', clientSecret: 'secret', redirectUri: 'https://app.test/cb', apiBase: API, authBase: 'https://app.hubspot.test', fetch, timeoutMs: 1_000 });

describe('token error bodies: either shape', () => {
  it('reads the live shape (error / status) as refused', () => {
    expect(grantErrorFrom(400, { error: 'invalid_grant', error_description: 'refresh token is invalid', status: 'BAD_REFRESH_TOKEN' })).toMatchObject({ refused: true, ambiguous: false, message: 'refresh token is invalid' });
    expect(grantErrorFrom(400, { status: 'BAD_AUTH_CODE', message: 'code used' })).toMatchObject({ refused: true, hubspotStatus: 'BAD_AUTH_CODE' });
  });

  // Failed before: the spec's body has neither `error` nor `status`, so it read as a plain failure
  // with no way to tell a revoked token from a glitch (`ambiguous` did not exist).
  it("reads the specs' generic {category, correlationId, message} shape as ambiguous, keeping its fields", () => {
    const error = grantErrorFrom(400, { category: 'VALIDATION_ERROR', correlationId: 'c-1', message: 'missing or invalid refresh token' });
    expect(error).toMatchObject({ refused: false, ambiguous: true, category: 'VALIDATION_ERROR', correlationId: 'c-1', message: 'missing or invalid refresh token' });
    expect(grantErrorFrom(400, { category: 'BAD_REFRESH_TOKEN', message: 'x' }).refused).toBe(true);
  });

  it('is not ambiguous for a 5xx: that is transient', () => {
    expect(grantErrorFrom(502, { category: 'INTERNAL_ERROR', message: 'x' })).toMatchObject({ refused: false, ambiguous: false });
  });
});

describe('uninstall', () => {
  // Failed before: only DELETE /appinstalls/v3/external-install was called.
  it('calls the dated path and stops when it answers', async () => {
    const { calls, fetch } = fakeFetch({ [UNINSTALL_PATH]: 204 });
    await client(fetch).uninstall('token');
    expect(calls).toEqual([{ method: 'DELETE', path: '/appinstalls/2026-03/external-install' }]);
  });

  it('falls back to the v3 path when the dated one is 404', async () => {
    const { calls, fetch } = fakeFetch({ [UNINSTALL_PATH]: 404, [LEGACY_UNINSTALL_PATH]: 204 });
    await client(fetch).uninstall('token');
    expect(calls.map((call) => call.path)).toEqual([UNINSTALL_PATH, LEGACY_UNINSTALL_PATH]);
  });

  it('does not fall back on other refusals, and reports them', async () => {
    const { calls, fetch } = fakeFetch({ [UNINSTALL_PATH]: 403 });
    const error = await client(fetch)
      .uninstall('token')
      .then(() => null, (caught: unknown) => caught);
    expect(isHubSpotKitError(error, 'HUBSPOT_REQUEST_FAILED')).toBe(true);
    expect(calls.map((call) => call.path)).toEqual([UNINSTALL_PATH]);
  });
});
