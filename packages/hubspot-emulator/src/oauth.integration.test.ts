import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_APP } from './defaults.js';
import { AuthorizeError } from './authorize.js';
import { REDIRECT_URI, UUID, startHarness, type Harness } from './test-support/harness.js';

const SCOPES = 'oauth crm.objects.contacts.write crm.schemas.contacts.write';
const client = { client_id: DEFAULT_APP.clientId, client_secret: DEFAULT_APP.clientSecret };

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

function authorizeQuery(extra: Record<string, string> = {}): string {
  return new URLSearchParams({ client_id: DEFAULT_APP.clientId, redirect_uri: REDIRECT_URI, scope: SCOPES, state: 's-123', ...extra }).toString();
}

async function codeFor(hubId = 1001): Promise<string> {
  const { code } = h.emulator.authorize({ redirectUri: REDIRECT_URI, scope: SCOPES, hubId });
  if (!code) throw new Error('no code');
  return code;
}

async function exchange(code: string, path = '/oauth/2026-03/token') {
  return h.form(path, { grant_type: 'authorization_code', ...client, redirect_uri: REDIRECT_URI, code });
}

describe('consent page', () => {
  it('renders a plain HTML form with scopes, a portal picker and Approve/Deny buttons', async () => {
    const res = await h.call('GET', `/oauth/authorize?${authorizeQuery({ optional_scope: 'crm.objects.contacts.read' })}`, { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.text).toContain('<span id="app-name">JobCannon</span>');
    expect(res.text).toContain('data-scope="crm.objects.contacts.write"');
    expect(res.text).toContain('<ul id="optional-scopes">');
    expect(res.text).toMatch(/<select id="hub_id" name="hub_id">\s*<option value="1001">Acme Demo \(1001\)/);
    expect(res.text).toContain('<option value="1002">');
    expect(res.text).toMatch(/<button type="submit" id="approve" name="decision" value="approve">Approve<\/button>/);
    expect(res.text).toMatch(/<button type="submit" id="deny" name="decision" value="deny">Deny<\/button>/);
    expect(res.text).not.toContain('<script');
    const preselected = await h.call('GET', `/oauth/authorize?${authorizeQuery({ hub_id: '1002' })}`, { token: null });
    expect(preselected.text).toContain('<option value="1002" selected>');
  });

  it('posting the form with Approve redirects with a code and the state; the code works for the chosen portal', async () => {
    const res = await h.call('POST', '/oauth/authorize', {
      token: null,
      raw: `${authorizeQuery()}&hub_id=1002&decision=approve`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('state')).toBe('s-123');
    const code = location.searchParams.get('code') ?? '';
    const token = await exchange(code);
    expect(token.status).toBe(200);
    expect(token.body.hub_id).toBe(1002);
  });

  it('Deny redirects with error=access_denied and the state', async () => {
    const res = await h.call('POST', '/oauth/authorize', {
      token: null,
      raw: `${authorizeQuery()}&hub_id=1001&decision=deny`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('error_description')).toBeTruthy();
    expect(location.searchParams.get('state')).toBe('s-123');
    expect(location.searchParams.has('code')).toBe(false);
  });

  it('auto-approves without HTML via _emulator_auto', async () => {
    const res = await h.call('GET', `/oauth/authorize?${authorizeQuery({ _emulator_auto: 'approve', hub_id: '1002' })}`, { token: null });
    expect(res.status).toBe(302);
    const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
    expect((await exchange(code)).body.hub_id).toBe(1002);
    const denied = await h.call('GET', `/oauth/authorize?${authorizeQuery({ _emulator_auto: 'deny' })}`, { token: null });
    expect(new URL(denied.headers.get('location') ?? '').searchParams.get('error')).toBe('access_denied');
  });

  it.each([
    [{ client_id: 'nope' }, 'client_id'],
    [{ redirect_uri: 'https://evil.example.com/cb' }, 'redirect_uri'],
    [{ redirect_uri: 'not a url' }, 'redirect_uri'],
    [{ scope: '' }, 'no scope'],
    [{ scope: 'oauth bad!scope' }, 'bad!scope'],
  ])('shows an error page (400, no redirect) for %o', async (override, mentions) => {
    const res = await h.call('GET', `/oauth/authorize?${authorizeQuery(override)}`, { token: null });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.text).toContain('id="error-message"');
    expect(res.text).toContain(mentions);
  });

  it('enforces exact redirect URIs and configured scopes when the app lists them', async () => {
    await h.close();
    h = await startHarness({
      apps: [{ clientId: 'strict', clientSecret: 's', redirectUris: ['https://app.example.com/cb'], scopes: ['oauth', 'crm.objects.contacts.write'], optionalScopes: ['crm.objects.contacts.read'] }],
    });
    const ok = h.emulator.authorize({ redirectUri: 'https://app.example.com/cb', scope: 'crm.objects.contacts.write oauth', optionalScope: 'crm.objects.contacts.read' });
    expect(ok.scopes).toEqual(['crm.objects.contacts.write', 'oauth', 'crm.objects.contacts.read']);
    expect(() => h.emulator.authorize({ redirectUri: 'https://app.example.com/cb/', scope: 'oauth crm.objects.contacts.write' })).toThrow(AuthorizeError);
    expect(() => h.emulator.authorize({ redirectUri: 'http://localhost:1/cb', scope: 'oauth crm.objects.contacts.write' })).toThrow(/redirect_uri/);
    expect(() => h.emulator.authorize({ redirectUri: 'https://app.example.com/cb', scope: 'oauth' })).toThrow(/mismatch between the scopes/);
    expect(() => h.emulator.authorize({ redirectUri: 'https://app.example.com/cb', scope: 'oauth crm.objects.contacts.write', optionalScope: 'tickets' })).toThrow(/mismatch/);
  });

  it('drops optional scopes a portal lacks and refuses required ones', async () => {
    await h.close();
    h = await startHarness({ portals: [{ hubId: 1001, unavailableScopes: ['crm.schemas.contacts.write', 'tickets'] }] });
    const granted = h.emulator.authorize({ redirectUri: REDIRECT_URI, scope: 'oauth', optionalScope: 'tickets crm.objects.contacts.read' });
    expect(granted.scopes).toEqual(['oauth', 'crm.objects.contacts.read']);
    expect(() => h.emulator.authorize({ redirectUri: REDIRECT_URI, scope: 'oauth crm.schemas.contacts.write' })).toThrow(/does not have access/);
  });
});

describe('token endpoint', () => {
  it.each(['/oauth/v1/token', '/oauth/2026-03/token'])('%s exchanges a code once (single use)', async (path) => {
    const code = await codeFor();
    const first = await exchange(code, path);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ token_type: 'bearer', expires_in: 1800, token_use: 'access_token', hub_id: 1001, user_id: 7001, scopes: SCOPES.split(' ') });
    expect(first.body.access_token).toMatch(/^\S{60,300}$/);
    expect(first.body.refresh_token).toMatch(/^na1-/);
    const second = await exchange(code, path);
    expect(second.status).toBe(400);
    expect(second.body).toMatchObject({ error: 'invalid_grant', status: 'BAD_AUTH_CODE' });
    expect(second.body.error_description).toBeTruthy();
    expect(second.body.message).toBeTruthy();
  });

  it('refuses an expired code (10 minutes on the emulator clock)', async () => {
    const code = await codeFor();
    h.clock.advance(10 * 60_000);
    const res = await exchange(code);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_grant', status: 'BAD_AUTH_CODE' });
  });

  it('refuses a redirect_uri that differs from the authorize request, without burning the code', async () => {
    const code = await codeFor();
    const res = await h.form('/oauth/2026-03/token', { grant_type: 'authorization_code', ...client, redirect_uri: 'http://localhost:3000/other', code });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_grant', status: 'BAD_REDIRECT_URI' });
    expect((await exchange(code)).status).toBe(200);
  });

  it('refuses unknown clients and wrong secrets', async () => {
    const code = await codeFor();
    const badId = await h.form('/oauth/2026-03/token', { grant_type: 'authorization_code', client_id: 'nope', client_secret: 'x', redirect_uri: REDIRECT_URI, code });
    expect(badId.status).toBe(400);
    expect(badId.body).toMatchObject({ error: 'invalid_client', status: 'BAD_CLIENT_ID' });
    const badSecret = await h.form('/oauth/2026-03/token', { grant_type: 'authorization_code', client_id: DEFAULT_APP.clientId, client_secret: 'wrong', redirect_uri: REDIRECT_URI, code });
    expect(badSecret.status).toBe(400);
    expect(badSecret.body.error).toBe('invalid_client');
  });

  it('accepts only form-encoded bodies (JSON → 400)', async () => {
    const code = await codeFor();
    const res = await h.call('POST', '/oauth/2026-03/token', { token: null, body: { grant_type: 'authorization_code', ...client, redirect_uri: REDIRECT_URI, code } });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect((await exchange(code)).status).toBe(200);
  });

  it('refresh returns a new access token and the SAME refresh token', async () => {
    const tokens = (await exchange(await codeFor())).body;
    h.clock.advance(60_000);
    const refreshed = await h.form('/oauth/2026-03/token', { grant_type: 'refresh_token', ...client, refresh_token: tokens.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ token_type: 'bearer', expires_in: 1800, token_use: 'access_token', hub_id: 1001, user_id: 7001, refresh_token: tokens.refresh_token });
    expect(refreshed.body.access_token).not.toBe(tokens.access_token);
    expect(refreshed.body.scopes).toEqual(SCOPES.split(' '));
  });

  it('refuses unknown refresh tokens and ones of another app with BAD_REFRESH_TOKEN', async () => {
    const res = await h.form('/oauth/v1/token', { grant_type: 'refresh_token', ...client, refresh_token: 'na1-0000-dead' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_grant',
      error_description: 'refresh token is invalid, expired or revoked',
      status: 'BAD_REFRESH_TOKEN',
      message: 'refresh token is invalid, expired or revoked',
      // the spec's generic error model ({category, correlationId, message}) rides along
      category: 'VALIDATION_ERROR',
      correlationId: expect.stringMatching(UUID),
    });
  });

  it("tokenErrorBody 'spec' answers only the generic error model the specs promise", async () => {
    const spec = await startHarness({ tokenErrorBody: 'spec' });
    try {
      const res = await spec.form('/oauth/2026-03/token', { grant_type: 'refresh_token', ...client, refresh_token: 'na1-0000-dead' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ category: 'VALIDATION_ERROR', correlationId: expect.stringMatching(UUID), message: 'refresh token is invalid, expired or revoked' });
      const reused = await spec.form('/oauth/v1/token', { grant_type: 'authorization_code', ...client, redirect_uri: REDIRECT_URI, code: 'nope' });
      expect(Object.keys(reused.body).sort()).toEqual(['category', 'correlationId', 'message']);
    } finally {
      await spec.close();
    }
  });
});

describe('access tokens on the API', () => {
  it('401 INVALID_AUTHENTICATION for missing and unknown tokens', async () => {
    for (const token of [null, 'garbage']) {
      const res = await h.call('GET', '/crm/v3/properties/contacts', { token });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        status: 'error',
        message:
          'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
        correlationId: expect.stringMatching(UUID),
        category: 'INVALID_AUTHENTICATION',
      });
      expect(res.headers.get('x-hubspot-correlation-id')).toBe(res.body.correlationId);
    }
  });

  it('401 EXPIRED_AUTHENTICATION 30 minutes later, with seconds and the expire time', async () => {
    const issuedAt = h.clock.now();
    h.clock.advance(1800_000 - 1);
    expect((await h.call('GET', '/crm/v3/properties/contacts')).status).toBe(200);
    h.clock.advance(75_001);
    const res = await h.call('GET', '/crm/v3/properties/contacts');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      status: 'error',
      message: 'The OAuth token used to make this call expired 75 second(s) ago.',
      correlationId: expect.stringMatching(UUID),
      category: 'EXPIRED_AUTHENTICATION',
      context: { 'expire time': [new Date(issuedAt + 1800_000).toISOString()] },
    });
  });

  it('expireAccessTokens() expires live tokens now; a refresh gets a working one', async () => {
    expect(h.emulator.expireAccessTokens(1001)).toBe(1);
    expect((await h.call('GET', '/crm/v3/properties/contacts')).body.category).toBe('EXPIRED_AUTHENTICATION');
    const refreshed = await h.form('/oauth/2026-03/token', { grant_type: 'refresh_token', ...client, refresh_token: h.refreshToken });
    expect((await h.call('GET', '/crm/v3/properties/contacts', { token: refreshed.body.access_token })).status).toBe(200);
  });
});

/** Every field the specs' SignedAccessToken schema requires, with its type, and a real signature. */
function expectSignedAccessToken(signed: Record<string, unknown> | null | undefined, who: { hubId: number; userId: number }): void {
  expect(signed).toEqual({
    appId: DEFAULT_APP.appId,
    appInstallId: expect.any(String),
    audience: expect.any(String),
    expiresAt: expect.any(Number),
    hubId: who.hubId,
    hublet: expect.any(String),
    installingUserId: who.userId,
    isPrivateDistribution: false,
    isServiceAccount: false,
    isUserLevel: false,
    newSignature: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
    scopeToScopeGroupPks: expect.any(String),
    scopes: expect.stringMatching(/.+/),
    signature: expect.stringMatching(/^[A-Za-z0-9+/]{27}=$/),
    trialScopeToScopeGroupPks: expect.any(String),
    trialScopes: expect.any(String),
    userId: who.userId,
  });
}

describe('introspection, info and revocation', () => {
  it('signed_access_token differs between tokens and matches the token expiry', async () => {
    const other = h.emulator.issueTokens({ hubId: 1002 });
    const mine = (await h.form('/oauth/2026-03/token/introspect', { ...client, token: h.token })).body;
    const theirs = (await h.form('/oauth/2026-03/token/introspect', { ...client, token: other.accessToken })).body;
    expectSignedAccessToken(theirs.signed_access_token, { hubId: 1002, userId: 7002 });
    expect(mine.signed_access_token.expiresAt).toBe(h.clock.now() + 1800_000);
    expect(mine.signed_access_token.newSignature).not.toBe(theirs.signed_access_token.newSignature);
  });

  it('introspects live access and refresh tokens, and dead ones as inactive', async () => {
    const access = await h.form('/oauth/2026-03/token/introspect', { ...client, token: h.token, token_type_hint: 'access_token' });
    expect(access.status).toBe(200);
    expect(access.body).toMatchObject({
      active: true,
      token_use: 'access_token',
      hub_id: 1001,
      hub_domain: 'acme-demo.hubspot.com',
      user: 'admin@acme-demo.com',
      user_id: 7001,
      app_id: DEFAULT_APP.appId,
      client_id: DEFAULT_APP.clientId,
      expires_in: 1800,
    });
    expect(access.body.scopes).toContain('crm.objects.contacts.write');
    expectSignedAccessToken(access.body.signed_access_token, { hubId: 1001, userId: 7001 });
    const refresh = await h.form('/oauth/2026-03/token/introspect', { ...client, token: h.refreshToken });
    expect(refresh.body).toMatchObject({ active: true, token_use: 'refresh_token', hub_id: 1001 });
    expect(refresh.body.expires_in).toBeUndefined();
    expect(refresh.body.signed_access_token).toBeUndefined(); // PublicRefreshTokenInfoResponse has none
    h.clock.advance(1800_000);
    expect((await h.form('/oauth/2026-03/token/introspect', { ...client, token: h.token })).body).toEqual({ active: false });
    expect((await h.form('/oauth/2026-03/token/introspect', { ...client, token: 'nope' })).body).toEqual({ active: false });
  });

  it('revoke deletes the refresh token', async () => {
    const res = await h.form('/oauth/2026-03/token/revoke', { ...client, token: h.refreshToken, token_type_hint: 'refresh_token' });
    expect(res.status).toBe(200);
    const refresh = await h.form('/oauth/2026-03/token', { grant_type: 'refresh_token', ...client, refresh_token: h.refreshToken });
    expect(refresh.body.status).toBe('BAD_REFRESH_TOKEN');
    expect((await h.form('/oauth/2026-03/token/introspect', { ...client, token: h.refreshToken })).body.active).toBe(false);
  });

  it('v1 info endpoints describe tokens; DELETE kills only the refresh token', async () => {
    const access = await h.call('GET', `/oauth/v1/access-tokens/${h.token}`, { token: null });
    expect(access.status).toBe(200);
    expect(access.body).toMatchObject({ token: h.token, user: 'admin@acme-demo.com', hub_domain: 'acme-demo.hubspot.com', hub_id: 1001, app_id: DEFAULT_APP.appId, expires_in: 1800, user_id: 7001, token_type: 'access' });
    expectSignedAccessToken(access.body.signed_access_token, { hubId: 1001, userId: 7001 });
    const refresh = await h.call('GET', `/oauth/v1/refresh-tokens/${h.refreshToken}`, { token: null });
    expect(refresh.body).toMatchObject({ token: h.refreshToken, hub_id: 1001, client_id: DEFAULT_APP.clientId, token_type: 'refresh', user: 'admin@acme-demo.com' });
    expect((await h.call('DELETE', `/oauth/v1/refresh-tokens/${h.refreshToken}`, { token: null })).status).toBe(204);
    expect((await h.call('GET', `/oauth/v1/refresh-tokens/${h.refreshToken}`, { token: null })).status).toBe(404);
    expect((await h.call('DELETE', `/oauth/v1/refresh-tokens/${h.refreshToken}`, { token: null })).status).toBe(404);
    // the access token lives on until it expires
    expect((await h.call('GET', '/crm/v3/properties/contacts')).status).toBe(200);
  });
});

describe('uninstall', () => {
  it('DELETE /appinstalls/v3/external-install → 204, then refresh → invalid_grant and the access token → 401', async () => {
    const res = await h.call('DELETE', '/appinstalls/v3/external-install');
    expect(res.status).toBe(204);
    const refresh = await h.form('/oauth/2026-03/token', { grant_type: 'refresh_token', ...client, refresh_token: h.refreshToken });
    expect(refresh.status).toBe(400);
    expect(refresh.body).toMatchObject({ error: 'invalid_grant', status: 'BAD_REFRESH_TOKEN' });
    const api = await h.call('GET', '/crm/v3/properties/contacts');
    expect(api.status).toBe(401);
    expect(api.body.category).toBe('INVALID_AUTHENTICATION');
    expect(h.emulator.state.installs.size).toBe(0);
  });

  it('needs the oauth scope on both paths: 403 MISSING_SCOPES and the app stays installed', async () => {
    const narrow = h.emulator.issueTokens({ hubId: 1001, scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'] });
    for (const path of ['/appinstalls/2026-03/external-install', '/appinstalls/v3/external-install']) {
      const res = await h.call('DELETE', path, { token: narrow.accessToken });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ status: 'error', category: 'MISSING_SCOPES', correlationId: expect.stringMatching(UUID) });
      expect(res.body.errors[0].context.requiredGranularScopes).toEqual(['oauth']);
    }
    expect(h.emulator.state.installs.size).toBe(1);
    expect((await h.call('GET', '/crm/v3/objects/contacts', { token: narrow.accessToken })).status).toBe(200);
  });

  it('the 2026-03 path works too, and only the token portal is uninstalled', async () => {
    const other = h.emulator.issueTokens({ hubId: 1002 });
    expect((await h.call('DELETE', '/appinstalls/2026-03/external-install')).status).toBe(204);
    expect((await h.call('GET', '/crm/v3/properties/contacts', { token: other.accessToken })).status).toBe(200);
  });

  it('emulator.uninstall(hubId) (the customer) kills the tokens; re-authorizing installs again', async () => {
    expect(h.emulator.uninstall(1001)).toBe(1);
    expect((await h.form('/oauth/2026-03/token', { grant_type: 'refresh_token', ...client, refresh_token: h.refreshToken })).body.error).toBe('invalid_grant');
    const tokens = (await exchange(await codeFor())).body;
    expect((await h.call('GET', '/crm/v3/properties/contacts', { token: tokens.access_token })).status).toBe(200);
  });
});

describe('PKCE', () => {
  it('checks code_verifier against an S256 challenge', async () => {
    const { createHash } = await import('node:crypto');
    const verifier = 'a'.repeat(50);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const { code } = h.emulator.authorize({ redirectUri: REDIRECT_URI, scope: 'oauth', codeChallenge: challenge, codeChallengeMethod: 'S256' });
    const bad = await h.form('/oauth/2026-03/token', { grant_type: 'authorization_code', ...client, redirect_uri: REDIRECT_URI, code: code ?? '', code_verifier: 'b'.repeat(50) });
    expect(bad.body.status).toBe('BAD_AUTH_CODE');
    const good = await h.form('/oauth/2026-03/token', { grant_type: 'authorization_code', ...client, redirect_uri: REDIRECT_URI, code: code ?? '', code_verifier: verifier });
    expect(good.status).toBe(200);
  });
});
