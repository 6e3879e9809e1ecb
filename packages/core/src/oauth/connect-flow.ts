import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenCipher } from '../crypto/token-cipher.js';
import type { BootstrapRunner } from '../delivery/bootstrap-runner.js';
import { HubSpotKitError } from '../errors.js';
import type { IntegrationContext } from '../integration/integration-context.js';
import { REQUIRED_SCOPES, type BootstrapReport, type CompleteOAuthInput, type CompleteOAuthResult, type ConnectUrlOptions } from '../integration/types.js';
import { findConnectionsByPortal, getConnection, saveConnection } from '../storage/connections-repository.js';
import { consumeOAuthState, createOAuthState } from '../storage/oauth-states-repository.js';
import type { OAuthState } from '../storage/rows.js';
import { OAuthGrantError, type OAuthClient } from './oauth-client.js';
import type { TokenKeeper } from './token-keeper.js';

/** base64url of 32 random bytes / of a SHA-256 digest: both 43 characters. */
const PART_LENGTH = 43;
/** A browser nonce shorter than 128 bits of base64url is guessable enough to refuse. */
const MIN_NONCE_LENGTH = 22;
const MAX_NONCE_LENGTH = 512;

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function hashState(state: string): string {
  return sha256(state).toString('hex');
}

/**
 * The state sent to HubSpot: 32 random bytes followed by the SHA-256 of the browser nonce. Only
 * the hash of the whole state is stored, so the nonce's hash is stored with it (changing those
 * characters makes another, unknown state) without a column of its own, and the nonce itself,
 * kept in the browser's HttpOnly cookie, never leaves that browser.
 */
function mintState(browserNonce: string): string {
  return `${randomBytes(32).toString('base64url')}${sha256(browserNonce).toString('base64url')}`;
}

/** Whether `browserNonce` is the one the state was minted for (constant time). */
function nonceMatches(state: string, browserNonce: string | null | undefined): boolean {
  if (typeof browserNonce !== 'string' || browserNonce === '' || state.length !== PART_LENGTH * 2) return false;
  const expected = Buffer.from(state.slice(PART_LENGTH), 'base64url');
  const given = sha256(browserNonce);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Who finishes a connect must be who started it, where it started: the signed-in user and org of
 * the state, in the browser holding its nonce. Without all three, a consent link is a bearer
 * token: whoever approves it (another org's admin, a browser with no session) connects the
 * starter's org to the approver's portal.
 */
function assertBoundCaller(stored: OAuthState, state: string, input: CompleteOAuthInput): void {
  const details = { orgId: stored.orgId };
  if (input.expectedOrgId && input.expectedOrgId !== stored.orgId) {
    throw new HubSpotKitError('OAUTH_ORG_MISMATCH', 'This HubSpot connection was started for another organization than the signed-in one', { details });
  }
  if (input.expectedUserId && input.expectedUserId !== stored.userId) {
    throw new HubSpotKitError('OAUTH_USER_MISMATCH', 'This HubSpot connection was started by another user than the signed-in one', { details });
  }
  if (!input.expectedOrgId || !input.expectedUserId) {
    throw new HubSpotKitError('UNAUTHENTICATED', 'Nobody is signed in where the HubSpot connection finished; sign in and connect again', { details });
  }
  if (!nonceMatches(state, input.browserNonce)) {
    throw new HubSpotKitError('OAUTH_BROWSER_MISMATCH', 'The HubSpot connection finished in another browser than the one that started it', { details });
  }
}

/**
 * Connecting a portal: a single-use state bound to the org, the user and the browser, the code
 * exchange, the scope check, the portal-change guard, the stored (encrypted) tokens, then the bootstrap.
 */
export function createConnectFlow(
  ctx: IntegrationContext,
  deps: {
    oauth: OAuthClient;
    cipher: TokenCipher;
    tokens: TokenKeeper;
    bootstrap: BootstrapRunner;
    nudge: () => void;
    /** After a connection is stored (the backfill offers or starts itself after a first connect). */
    onConnected?: (orgId: string, info: { firstConnect: boolean }) => void;
  },
) {
  const settingUp = new Set<Promise<BootstrapReport>>();

  async function connectUrl({ orgId, userId, allowPortalChange, allowSharedPortal, browserNonce }: ConnectUrlOptions): Promise<string> {
    if (!orgId || !userId) throw new HubSpotKitError('BAD_REQUEST', 'connectUrl needs orgId and userId');
    if (typeof browserNonce !== 'string' || browserNonce.length < MIN_NONCE_LENGTH || browserNonce.length > MAX_NONCE_LENGTH) {
      throw new HubSpotKitError('BAD_REQUEST', `connectUrl needs browserNonce: ${MIN_NONCE_LENGTH}-${MAX_NONCE_LENGTH} random characters kept in the starting browser (an HttpOnly cookie)`, {
        details: { field: 'browserNonce' },
      });
    }
    const state = mintState(browserNonce);
    const at = ctx.now();
    await createOAuthState(ctx.db, { stateHash: hashState(state), orgId, userId, allowPortalChange: allowPortalChange === true, allowSharedPortal: allowSharedPortal === true, now: at, expiresAt: new Date(at.getTime() + ctx.settings.oauthStateTtlMs) });
    return deps.oauth.authorizeUrl({ scopes: REQUIRED_SCOPES, optionalScopes: ctx.settings.optionalScopes, state });
  }

  async function completeOAuth(input: CompleteOAuthInput): Promise<CompleteOAuthResult> {
    const consumed = input.state ? await consumeOAuthState(ctx.db, hashState(input.state), ctx.now()) : null;
    if (!consumed || !consumed.ok) {
      const reason = consumed && !consumed.ok ? consumed.reason : 'missing';
      const expired = reason === 'expired';
      throw new HubSpotKitError(expired ? 'OAUTH_STATE_EXPIRED' : 'OAUTH_STATE_INVALID', expired ? 'The connect link expired' : 'The connect request was not recognised or was already used', { details: { reason } });
    }
    // Spent first: a refused caller burns the state, so the link cannot be tried again elsewhere.
    assertBoundCaller(consumed.state, input.state!, input);
    const { orgId, userId, allowPortalChange, allowSharedPortal } = consumed.state;
    if (input.error) {
      throw new HubSpotKitError('OAUTH_DENIED', `HubSpot did not grant access: ${input.errorDescription ?? input.error}`, { details: { orgId, hubspotCategory: input.error } });
    }
    if (!input.code) throw new HubSpotKitError('OAUTH_EXCHANGE_FAILED', 'HubSpot sent no authorization code', { details: { orgId } });
    let tokenSet;
    let info;
    try {
      tokenSet = await deps.oauth.exchangeCode(input.code);
      info = await deps.oauth.introspect(tokenSet.accessToken);
    } catch (error) {
      const message = error instanceof OAuthGrantError ? error.message : (error as Error).message;
      throw new HubSpotKitError('OAUTH_EXCHANGE_FAILED', `HubSpot did not complete the connection: ${message}`, { details: { orgId, hubspotMessage: message }, cause: error });
    }
    const portalId = info.hubId ?? tokenSet.hubId;
    if (portalId === null) throw new HubSpotKitError('OAUTH_EXCHANGE_FAILED', 'HubSpot did not say which portal was connected', { details: { orgId } });
    const granted = info.scopes.length > 0 ? info.scopes : tokenSet.scopes ?? [];
    const missing = REQUIRED_SCOPES.filter((scope) => !granted.includes(scope));
    if (missing.length > 0) {
      await deps.oauth.revoke(tokenSet.refreshToken).catch(() => {});
      throw new HubSpotKitError('MISSING_SCOPES', `The connection lacks required permissions: ${missing.join(', ')}`, { details: { orgId, requiredScopes: missing } });
    }
    const previous = await getConnection(ctx.db, orgId);
    if (previous && previous.portalId !== portalId && !allowPortalChange) {
      await deps.oauth.revoke(tokenSet.refreshToken).catch(() => {});
      throw new HubSpotKitError('PORTAL_MISMATCH', `This organization was connected to portal ${previous.portalId}, but portal ${portalId} was approved`, {
        details: { orgId, previousPortalId: previous.portalId, previousPortalDomain: previous.portalDomain, portalId, portalDomain: info.hubDomain },
      });
    }
    // Another JobCannon organization already writes to this portal (two customers, one HubSpot).
    const sharers = (await findConnectionsByPortal(ctx.db, portalId)).filter((other) => other.orgId !== orgId && other.status === 'connected');
    const sharedPortals = ctx.settings.sharedPortals;
    if (sharers.length > 0 && (sharedPortals === 'refuse' || (sharedPortals === 'confirm' && !allowSharedPortal))) {
      await deps.oauth.revoke(tokenSet.refreshToken).catch(() => {});
      const code = sharedPortals === 'refuse' ? 'PORTAL_IN_USE' : 'PORTAL_SHARED';
      throw new HubSpotKitError(code, `Portal ${portalId} is already connected to ${sharers.length} other organization(s)`, {
        details: { orgId, portalId, portalDomain: info.hubDomain, sharedWith: sharers.length },
      });
    }
    const at = ctx.now();
    const samePortal = previous?.portalId === portalId;
    const connection = await saveConnection(
      ctx.db,
      {
        orgId,
        portalId,
        portalDomain: info.hubDomain,
        installedByUserId: userId,
        installedByEmail: info.user,
        scopes: granted,
        accessTokenEnc: deps.cipher.encrypt(tokenSet.accessToken),
        refreshTokenEnc: deps.cipher.encrypt(tokenSet.refreshToken),
        accessExpiresAt: new Date(at.getTime() + tokenSet.expiresInSeconds * 1000),
        status: 'connected',
        rateLimitMax: samePortal ? previous.rateLimitMax : null,
        connectedAt: at,
        lastSyncAt: samePortal ? previous.lastSyncAt : null,
        alertedAt: null,
      },
      at,
    );
    deps.tokens.forget(orgId);
    const reconnected = previous?.status === 'must_reconnect';
    if (reconnected) {
      await ctx.notifier
        .notify({ kind: 'reconnected', orgId, portalId, portalDomain: info.hubDomain, text: `HubSpot portal ${info.hubDomain ?? portalId} is reconnected. Held assessment results are being sent now.` })
        .catch((error: unknown) => ctx.logger.warn('reconnect notice failed', { orgId, message: (error as Error).message }));
    }
    // The callback answers now; the property setup runs in the background with its progress on the
    // connection (the widget shows "Setting up HubSpot… n of 17"). Pushes that meet a property not
    // created yet join the same single-flight bootstrap, so nothing is lost meanwhile.
    const setup: Promise<BootstrapReport> = deps.bootstrap
      .run(connection, { trackSetup: true })
      .catch((error: unknown): BootstrapReport => {
        // Recorded as the connection's problem by the runner; the connection itself stands.
        ctx.logger.warn('bootstrap after connect failed', { orgId, message: (error as Error).message });
        return { ok: false, groupCreated: false, created: [], existing: [], missing: [], drift: [], checkedAt: ctx.now().toISOString() };
      })
      .finally(() => {
        deps.nudge();
        settingUp.delete(setup);
      });
    settingUp.add(setup);
    deps.onConnected?.(orgId, { firstConnect: previous === null || !samePortal });
    return { orgId, userId, portal: { id: portalId, domain: info.hubDomain }, reconnected, setup };
  }

  /** close(): the background setups end with the shutdown signal; wait for them to let go of the database. */
  async function close(): Promise<void> {
    await Promise.allSettled([...settingUp]);
  }

  return { connectUrl, completeOAuth, close };
}
