import { createHash, randomBytes } from 'node:crypto';
import type { TokenCipher } from '../crypto/token-cipher.js';
import type { BootstrapRunner } from '../delivery/bootstrap-runner.js';
import { HubSpotKitError } from '../errors.js';
import type { IntegrationContext } from '../integration/integration-context.js';
import { REQUIRED_SCOPES, type BootstrapReport, type CompleteOAuthInput, type CompleteOAuthResult, type ConnectUrlOptions } from '../integration/types.js';
import { getConnection, saveConnection } from '../storage/connections-repository.js';
import { consumeOAuthState, createOAuthState } from '../storage/oauth-states-repository.js';
import { OAuthGrantError, type OAuthClient } from './oauth-client.js';
import type { TokenKeeper } from './token-keeper.js';

function hashState(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}

/**
 * Connecting a portal: a single-use state bound to the org and user, the code exchange, the scope
 * check, the portal-change guard, the stored (encrypted) tokens, then the bootstrap.
 */
export function createConnectFlow(ctx: IntegrationContext, deps: { oauth: OAuthClient; cipher: TokenCipher; tokens: TokenKeeper; bootstrap: BootstrapRunner; nudge: () => void }) {
  async function connectUrl({ orgId, userId, allowPortalChange }: ConnectUrlOptions): Promise<string> {
    if (!orgId || !userId) throw new HubSpotKitError('BAD_REQUEST', 'connectUrl needs orgId and userId');
    const state = randomBytes(32).toString('base64url');
    const at = ctx.now();
    await createOAuthState(ctx.db, { stateHash: hashState(state), orgId, userId, allowPortalChange: allowPortalChange === true, now: at, expiresAt: new Date(at.getTime() + ctx.settings.oauthStateTtlMs) });
    return deps.oauth.authorizeUrl({ scopes: REQUIRED_SCOPES, optionalScopes: ctx.settings.optionalScopes, state });
  }

  async function completeOAuth(input: CompleteOAuthInput): Promise<CompleteOAuthResult> {
    const consumed = input.state ? await consumeOAuthState(ctx.db, hashState(input.state), ctx.now()) : null;
    if (!consumed || !consumed.ok) {
      const reason = consumed && !consumed.ok ? consumed.reason : 'missing';
      const expired = reason === 'expired';
      throw new HubSpotKitError(expired ? 'OAUTH_STATE_EXPIRED' : 'OAUTH_STATE_INVALID', expired ? 'The connect link expired' : 'The connect request was not recognised or was already used', { details: { reason } });
    }
    const { orgId, userId, allowPortalChange } = consumed.state;
    if (input.expectedOrgId && input.expectedOrgId !== orgId) {
      throw new HubSpotKitError('OAUTH_ORG_MISMATCH', 'This HubSpot connection was started for another organization than the signed-in one', { details: { orgId: input.expectedOrgId } });
    }
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
    let bootstrap: BootstrapReport;
    try {
      bootstrap = await deps.bootstrap.run(connection);
    } catch (error) {
      // Recorded as the connection's problem by the runner; the connection itself stands.
      bootstrap = { ok: false, groupCreated: false, created: [], existing: [], missing: [], drift: [], checkedAt: ctx.now().toISOString() };
      ctx.logger.warn('bootstrap after connect failed', { orgId, message: (error as Error).message });
    }
    deps.nudge();
    return { orgId, userId, portal: { id: portalId, domain: info.hubDomain }, reconnected, bootstrap };
  }

  return { connectUrl, completeOAuth };
}
