import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { EmulatorCore } from './core.js';
import { hubspotError, json, noContent, type Reply } from './replies.js';
import type { RequestContext } from './routing.js';
import { installKey, type AccessTokenRecord, type AppState, type PortalState, type RefreshTokenRecord } from './state.js';

// OAuth 2.0 as HubSpot's public apps see it: authorization codes (single use, short-lived), 30-minute
// access tokens on the emulator clock, refresh tokens that never rotate and die only on revoke or
// uninstall, and the v1 + 2026-03 token endpoints (form-encoded only).

export const INVALID_AUTH_MESSAGE =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  /** Seconds, like the token endpoint's `expires_in`. */
  expiresIn: number;
  /** Emulator-clock epoch ms when the access token expires. */
  expiresAt: number;
  hubId: number;
  userId: number;
  clientId: string;
  scopes: string[];
}

// ---- token minting --------------------------------------------------------------------------

function newAccessToken(core: EmulatorCore): string {
  // Real ones are opaque, base64-ish and up to ~300 chars; clients must not parse them.
  return `CO${core.random.tokens.bytes(96).toString('base64url')}`;
}

function newRefreshToken(core: EmulatorCore): string {
  const hex = core.random.tokens.bytes(14).toString('hex');
  return `na1-${hex.slice(0, 4)}-${hex.slice(4, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 28)}`;
}

export function mintAccessToken(core: EmulatorCore, grant: { clientId: string; hubId: number; userId: number; scopes: string[] }): AccessTokenRecord {
  const now = core.now();
  const record: AccessTokenRecord = {
    token: newAccessToken(core),
    clientId: grant.clientId,
    hubId: grant.hubId,
    userId: grant.userId,
    scopes: [...grant.scopes],
    issuedAt: now,
    expiresAt: now + core.options.accessTokenTtlSeconds * 1000,
    revoked: false,
  };
  core.state.accessTokens.set(record.token, record);
  return record;
}

/** Installs the app in the portal (or widens the install's scopes) and issues a fresh token pair. */
export function installAndIssue(core: EmulatorCore, grant: { clientId: string; hubId: number; userId: number; scopes: string[] }): IssuedTokens {
  const key = installKey(grant.hubId, grant.clientId);
  const install = core.state.installs.get(key);
  if (install) install.scopes = [...new Set([...install.scopes, ...grant.scopes])];
  else core.state.installs.set(key, { hubId: grant.hubId, clientId: grant.clientId, scopes: [...grant.scopes], installedAt: core.now() });
  const refresh: RefreshTokenRecord = { token: newRefreshToken(core), ...grant, scopes: [...grant.scopes], createdAt: core.now() };
  core.state.refreshTokens.set(refresh.token, refresh);
  const access = mintAccessToken(core, grant);
  return {
    accessToken: access.token,
    refreshToken: refresh.token,
    expiresIn: core.options.accessTokenTtlSeconds,
    expiresAt: access.expiresAt,
    hubId: grant.hubId,
    userId: grant.userId,
    clientId: grant.clientId,
    scopes: [...grant.scopes],
  };
}

/** Removes the install and kills its refresh tokens and access tokens. Returns how many installs went. */
export function uninstall(core: EmulatorCore, hubId: number, clientId?: string): number {
  let removed = 0;
  for (const [key, install] of core.state.installs) {
    if (install.hubId !== hubId || (clientId !== undefined && install.clientId !== clientId)) continue;
    core.state.installs.delete(key);
    removed++;
  }
  for (const [token, refresh] of core.state.refreshTokens) {
    if (refresh.hubId === hubId && (clientId === undefined || refresh.clientId === clientId)) core.state.refreshTokens.delete(token);
  }
  for (const access of core.state.accessTokens.values()) {
    if (access.hubId === hubId && (clientId === undefined || access.clientId === clientId)) access.revoked = true;
  }
  return removed;
}

export function expireAccessTokens(core: EmulatorCore, filter: { hubId?: number; clientId?: string } = {}): number {
  const now = core.now();
  let expired = 0;
  for (const access of core.state.accessTokens.values()) {
    if (access.revoked || access.expiresAt <= now) continue;
    if (filter.hubId !== undefined && access.hubId !== filter.hubId) continue;
    if (filter.clientId !== undefined && access.clientId !== filter.clientId) continue;
    access.expiresAt = now;
    expired++;
  }
  return expired;
}

// ---- bearer authentication for API routes ---------------------------------------------------

export type AuthResult =
  | { ok: true; token: AccessTokenRecord; portal: PortalState; app: AppState }
  | { ok: false; reply: Reply; hubId?: number; clientId?: string };

function unauthorized(correlationId: string, category: string, message: string, extra: Record<string, unknown> = {}): Reply {
  const reply = hubspotError(401, correlationId, category, message, extra);
  reply.headers = { 'X-HubSpot-Auth-Failure': '401 Unauthorized' };
  return reply;
}

export function authenticate(core: EmulatorCore, authorization: string | undefined, correlationId: string): AuthResult {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  const record = match?.[1] ? core.state.accessTokens.get(match[1]) : undefined;
  const portal = record ? core.state.portals.get(record.hubId) : undefined;
  const app = record ? core.state.apps.get(record.clientId) : undefined;
  if (!record || !portal || !app || record.revoked || !core.state.installs.has(installKey(record.hubId, record.clientId))) {
    const known = record ? { hubId: record.hubId, clientId: record.clientId } : {};
    return { ok: false, reply: unauthorized(correlationId, 'INVALID_AUTHENTICATION', INVALID_AUTH_MESSAGE), ...known };
  }
  const now = core.now();
  if (now >= record.expiresAt) {
    const seconds = Math.floor((now - record.expiresAt) / 1000);
    return {
      ok: false,
      hubId: record.hubId,
      clientId: record.clientId,
      reply: unauthorized(correlationId, 'EXPIRED_AUTHENTICATION', `The OAuth token used to make this call expired ${seconds} second(s) ago.`, {
        context: { 'expire time': [core.iso(record.expiresAt)] },
      }),
    };
  }
  return { ok: true, token: record, portal, app };
}

// ---- token endpoint -------------------------------------------------------------------------

/**
 * The token endpoint's error body. Live reports show `error` / `error_description` / `status` /
 * `message`; the specs promise only the generic `{category, correlationId, message}`. `live` sends
 * both sets, `spec` only the generic one (HubSpot may drop the legacy fields at any time).
 */
function tokenError(ctx: RequestContext, error: string, status: string, description: string, httpStatus = 400): Reply {
  const generic = { category: 'VALIDATION_ERROR', correlationId: ctx.correlationId, message: description };
  if (ctx.core.options.tokenErrorBody === 'spec') return json(httpStatus, generic);
  return json(httpStatus, { error, error_description: description, status, ...generic });
}

const isForm = (ctx: RequestContext): boolean => /^application\/x-www-form-urlencoded\b/i.test(ctx.headers['content-type'] ?? '');

/** Parses the form body, or answers the 400 HubSpot gives anything else (JSON included). */
function readForm(ctx: RequestContext): URLSearchParams | Reply {
  if (!isForm(ctx)) {
    return tokenError(ctx, 'invalid_request', 'BAD_REQUEST', 'The request body must be application/x-www-form-urlencoded');
  }
  return new URLSearchParams(ctx.rawBody);
}

function checkClient(ctx: RequestContext, form: URLSearchParams): AppState | Reply {
  const app = ctx.core.state.apps.get(form.get('client_id') ?? '');
  if (!app) return tokenError(ctx, 'invalid_client', 'BAD_CLIENT_ID', 'missing or invalid client_id');
  const secret = Buffer.from(form.get('client_secret') ?? '');
  const expected = Buffer.from(app.clientSecret);
  if (secret.length !== expected.length || !timingSafeEqual(secret, expected)) {
    return tokenError(ctx, 'invalid_client', 'BAD_CLIENT_SECRET', 'missing or invalid client_secret');
  }
  return app;
}

function tokenResponse(tokens: { accessToken: string; refreshToken: string; hubId: number; userId: number; scopes: string[] }, expiresIn: number): Reply {
  return json(200, {
    token_type: 'bearer',
    refresh_token: tokens.refreshToken,
    access_token: tokens.accessToken,
    expires_in: expiresIn,
    token_use: 'access_token',
    hub_id: tokens.hubId,
    user_id: tokens.userId,
    scopes: tokens.scopes,
  });
}

function pkceMatches(challenge: string, method: string | undefined, verifier: string): boolean {
  const computed = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return computed === challenge;
}

export function handleToken(ctx: RequestContext): Reply {
  const form = readForm(ctx);
  if (!(form instanceof URLSearchParams)) return form;
  const grantType = form.get('grant_type');
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
    return tokenError(ctx, 'unsupported_grant_type', 'BAD_GRANT_TYPE', 'missing or unknown grant type');
  }
  const app = checkClient(ctx, form);
  if (!('clientId' in app)) return app;
  const core = ctx.core;

  if (grantType === 'authorization_code') {
    const code = core.state.authCodes.get(form.get('code') ?? '');
    if (!code || code.clientId !== app.clientId) return tokenError(ctx, 'invalid_grant', 'BAD_AUTH_CODE', 'missing or invalid auth code');
    if (code.used) return tokenError(ctx, 'invalid_grant', 'BAD_AUTH_CODE', 'auth code has already been used');
    if (core.now() >= code.expiresAt) return tokenError(ctx, 'invalid_grant', 'BAD_AUTH_CODE', 'auth code is expired');
    if (form.get('redirect_uri') !== code.redirectUri) {
      return tokenError(ctx, 'invalid_grant', 'BAD_REDIRECT_URI', 'redirect_uri does not match the redirect_uri used to request the code');
    }
    if (code.codeChallenge && !pkceMatches(code.codeChallenge, code.codeChallengeMethod, form.get('code_verifier') ?? '')) {
      return tokenError(ctx, 'invalid_grant', 'BAD_AUTH_CODE', 'code_verifier does not match the code_challenge');
    }
    code.used = true;
    const tokens = installAndIssue(core, { clientId: app.clientId, hubId: code.hubId, userId: code.userId, scopes: code.scopes });
    return tokenResponse(tokens, tokens.expiresIn);
  }

  const refresh = core.state.refreshTokens.get(form.get('refresh_token') ?? '');
  if (!refresh || refresh.clientId !== app.clientId || !core.state.installs.has(installKey(refresh.hubId, refresh.clientId))) {
    return tokenError(ctx, 'invalid_grant', 'BAD_REFRESH_TOKEN', 'refresh token is invalid, expired or revoked');
  }
  const access = mintAccessToken(core, refresh);
  return tokenResponse({ accessToken: access.token, refreshToken: refresh.token, hubId: refresh.hubId, userId: refresh.userId, scopes: refresh.scopes }, core.options.accessTokenTtlSeconds);
}

// ---- introspection, revocation, v1 info endpoints -----------------------------------------

type TokenLookup =
  | { kind: 'access'; record: AccessTokenRecord; portal: PortalState; app: AppState; active: boolean }
  | { kind: 'refresh'; record: RefreshTokenRecord; portal: PortalState; app: AppState; active: true };

function lookupToken(core: EmulatorCore, token: string): TokenLookup | undefined {
  const refresh = core.state.refreshTokens.get(token);
  if (refresh) {
    const portal = core.state.portals.get(refresh.hubId);
    const app = core.state.apps.get(refresh.clientId);
    if (portal && app) return { kind: 'refresh', record: refresh, portal, app, active: true };
  }
  const access = core.state.accessTokens.get(token);
  if (access) {
    const portal = core.state.portals.get(access.hubId);
    const app = core.state.apps.get(access.clientId);
    const active = !access.revoked && core.now() < access.expiresAt && core.state.installs.has(installKey(access.hubId, access.clientId));
    if (portal && app) return { kind: 'access', record: access, portal, app, active };
  }
  return undefined;
}

const secondsLeft = (core: EmulatorCore, expiresAt: number): number => Math.max(0, Math.floor((expiresAt - core.now()) / 1000));

/** HubSpot's scope catalogue order is not public; a fixed list gives stable bitsets for the known scopes. */
const SCOPE_BITS = [
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'crm.objects.deals.read',
  'crm.objects.deals.write',
];

/** base64url bitset of the scopes' positions in SCOPE_BITS (unknown scopes take bits after it, by name). */
function scopeBitset(scopes: string[]): string {
  const extra = [...new Set(scopes.filter((scope) => !SCOPE_BITS.includes(scope)))].sort();
  const catalogue = [...SCOPE_BITS, ...extra];
  const bytes = Buffer.alloc(Math.ceil(catalogue.length / 8));
  for (const scope of scopes) {
    const bit = catalogue.indexOf(scope);
    bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (1 << (bit & 7));
  }
  return bytes.toString('base64url');
}

/**
 * `signed_access_token` as the specs define it (SignedAccessToken: every field required). HubSpot
 * signs it with its own key; the emulator signs the same fields with the app's client secret, so the
 * values are stable for a token and differ between tokens, portals and apps.
 */
function signedAccessToken(core: EmulatorCore, record: AccessTokenRecord, app: AppState): Record<string, unknown> {
  const install = core.state.installs.get(installKey(record.hubId, record.clientId));
  const fields = {
    appId: app.appId,
    appInstallId: createHash('sha256').update(`${record.hubId}:${record.clientId}:${install?.installedAt ?? 0}`).digest('hex').slice(0, 24),
    audience: app.clientId,
    expiresAt: record.expiresAt,
    hubId: record.hubId,
    hublet: 'na1',
    installingUserId: record.userId,
    isPrivateDistribution: false,
    isServiceAccount: false,
    isUserLevel: false,
    scopeToScopeGroupPks: scopeBitset(record.scopes),
    scopes: scopeBitset(record.scopes),
    trialScopeToScopeGroupPks: '',
    trialScopes: '',
    userId: record.userId,
  };
  const canonical = JSON.stringify(fields);
  return {
    ...fields,
    signature: createHmac('sha1', app.clientSecret).update(canonical).digest('base64'),
    newSignature: createHmac('sha256', app.clientSecret).update(`${record.token}:${canonical}`).digest('base64'),
  };
}

export function handleIntrospect(ctx: RequestContext): Reply {
  const form = readForm(ctx);
  if (!(form instanceof URLSearchParams)) return form;
  const app = checkClient(ctx, form);
  if (!('clientId' in app)) return app;
  const token = form.get('token');
  if (!token) return tokenError(ctx, 'invalid_request', 'BAD_REQUEST', 'missing token');
  const found = lookupToken(ctx.core, token);
  if (!found || !found.active || found.app.clientId !== app.clientId) return json(200, { active: false });
  const common = {
    active: true,
    token,
    token_use: found.kind === 'access' ? 'access_token' : 'refresh_token',
    app_id: found.app.appId,
    client_id: found.app.clientId,
    hub_id: found.portal.hubId,
    hub_domain: found.portal.domain,
    user: found.portal.userEmail,
    user_id: found.record.userId,
    scopes: found.record.scopes,
    token_type: 'bearer',
    is_private_distribution: false,
  };
  if (found.kind === 'refresh') return json(200, common);
  return json(200, { ...common, expires_in: secondsLeft(ctx.core, found.record.expiresAt), signed_access_token: signedAccessToken(ctx.core, found.record, found.app) });
}

export function handleRevoke(ctx: RequestContext): Reply {
  const form = readForm(ctx);
  if (!(form instanceof URLSearchParams)) return form;
  const app = checkClient(ctx, form);
  if (!('clientId' in app)) return app;
  const token = form.get('token') ?? '';
  const refresh = ctx.core.state.refreshTokens.get(token);
  if (refresh && refresh.clientId === app.clientId) ctx.core.state.refreshTokens.delete(token);
  const access = ctx.core.state.accessTokens.get(token);
  if (access && access.clientId === app.clientId) access.revoked = true;
  // RFC 7009: unknown tokens are not an error, and the answer has no body.
  return { status: 200, text: '' };
}

function tokenNotFound(ctx: RequestContext): Reply {
  return hubspotError(404, ctx.correlationId, 'OBJECT_NOT_FOUND', 'Token not found');
}

export function handleAccessTokenInfo(ctx: RequestContext): Reply {
  const found = lookupToken(ctx.core, ctx.params.token ?? '');
  if (!found || found.kind !== 'access' || found.record.revoked) return tokenNotFound(ctx);
  if (!found.active) {
    const seconds = Math.floor((ctx.core.now() - found.record.expiresAt) / 1000);
    return hubspotError(401, ctx.correlationId, 'EXPIRED_AUTHENTICATION', `The OAuth token used to make this call expired ${seconds} second(s) ago.`, {
      context: { 'expire time': [ctx.core.iso(found.record.expiresAt)] },
    });
  }
  return json(200, {
    token: found.record.token,
    user: found.portal.userEmail,
    hub_domain: found.portal.domain,
    scopes: found.record.scopes,
    hub_id: found.portal.hubId,
    app_id: found.app.appId,
    expires_in: secondsLeft(ctx.core, found.record.expiresAt),
    user_id: found.record.userId,
    token_type: 'access',
    is_private_distribution: false,
    signed_access_token: signedAccessToken(ctx.core, found.record, found.app),
  });
}

export function handleRefreshTokenInfo(ctx: RequestContext): Reply {
  const found = lookupToken(ctx.core, ctx.params.token ?? '');
  if (!found || found.kind !== 'refresh') return tokenNotFound(ctx);
  return json(200, {
    token: found.record.token,
    user: found.portal.userEmail,
    hub_domain: found.portal.domain,
    scopes: found.record.scopes,
    hub_id: found.portal.hubId,
    client_id: found.app.clientId,
    user_id: found.record.userId,
    token_type: 'refresh',
  });
}

/** Deletes only the refresh token: the install and issued access tokens live on (HubSpot's v1 semantics). */
export function handleRefreshTokenDelete(ctx: RequestContext): Reply {
  const token = ctx.params.token ?? '';
  if (!ctx.core.state.refreshTokens.delete(token)) return tokenNotFound(ctx);
  return noContent();
}

/**
 * DELETE /appinstalls/2026-03/external-install (and the deprecated v3 path): the developer uninstalls
 * the app from the token's portal. The route requires the `oauth` scope (the pipeline answers 403
 * MISSING_SCOPES without it), as both specs' security blocks do.
 */
export function handleExternalUninstall(ctx: RequestContext): Reply {
  const auth = ctx.auth;
  if (!auth) return hubspotError(401, ctx.correlationId, 'INVALID_AUTHENTICATION', INVALID_AUTH_MESSAGE);
  uninstall(ctx.core, auth.portal.hubId, auth.app.clientId);
  return noContent();
}
