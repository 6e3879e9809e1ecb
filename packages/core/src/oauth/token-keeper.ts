import type { Knex } from 'knex';
import { HubSpotKitError, isHubSpotKitError } from '../errors.js';
import type { TokenCipher } from '../crypto/token-cipher.js';
import type { Clock, Logger, Notifier, Random } from '../ports/ports.js';
import { DEFAULT_RETRY_POLICY, decideRetry, type RetryPolicyOptions } from '../retry/retry-policy.js';
import { getConnection, getConnectionForUpdate, updateConnection } from '../storage/connections-repository.js';
import type { Connection } from '../storage/rows.js';
import { OAuthGrantError, type OAuthClient } from './oauth-client.js';

export interface TokenKeeperOptions {
  db: Knex;
  oauth: OAuthClient;
  cipher: TokenCipher;
  clock: Clock;
  logger: Logger;
  notifier: Notifier;
  /** Refresh this long before the access token expires. */
  refreshAheadMs: number;
  random?: Random;
  policy?: RetryPolicyOptions;
  /** Told the outcome of every call to HubSpot's token endpoint (the metrics count them). */
  onRefresh?: (outcome: 'ok' | 'refused' | 'failed') => void;
}

/**
 * Hands out valid access tokens. Refreshes ahead of expiry; one refresh at a time per connection
 * across processes (row lock on the connection, then re-read: another process may have refreshed
 * while we waited) and within this one (shared promise). A refused refresh (invalid_grant /
 * BAD_REFRESH_TOKEN, or an unexplained 400 after introspection says the refresh token is
 * inactive: the app was uninstalled or the token revoked) turns the connection
 * `must_reconnect`, alerts the owner once, and stops all traffic to that portal until reconnect.
 */
/** How long a token read from the database is reused without reading it again. */
const TOKEN_CACHE_MS = 30_000;

export function createTokenKeeper(options: TokenKeeperOptions) {
  const inFlight = new Map<string, Promise<string>>();
  // A drain asks for the token once per batch; reading and decrypting the connection row each time
  // cost a query per 100 contacts. Access tokens stay valid until they expire, so a short cache is
  // safe; a 401 still forces a refresh, and claims never include rows of a disconnected org.
  const cache = new Map<string, { token: string; freshUntil: number }>();
  // The portal of each token handed out, so a span can name the portal of a call that only has
  // the token (the CRM client's calls). Bounded; lives no longer than this process.
  const portals = new Map<string, number>();

  function remember(orgId: string, token: string, expiresAt: Date | null, portalId: number): void {
    if (!portals.has(token)) {
      if (portals.size >= 1_000) portals.delete(portals.keys().next().value as string);
      portals.set(token, portalId);
    }
    const now = options.clock.now();
    const freshUntil = Math.min(now + TOKEN_CACHE_MS, (expiresAt?.getTime() ?? now) - options.refreshAheadMs);
    if (freshUntil > now) cache.set(orgId, { token, freshUntil });
  }

  function usable(connection: Connection): boolean {
    return (
      connection.accessTokenEnc !== null &&
      connection.accessExpiresAt !== null &&
      connection.accessExpiresAt.getTime() - options.clock.now() > options.refreshAheadMs
    );
  }

  function assertConnected(orgId: string, connection: Connection | null): asserts connection is Connection {
    if (!connection || connection.status === 'disconnected') {
      throw new HubSpotKitError('NOT_CONNECTED', `Org ${orgId} has no HubSpot connection`);
    }
    if (connection.status === 'must_reconnect') {
      throw new HubSpotKitError('MUST_RECONNECT', 'HubSpot refused our access for this portal; an admin must reconnect', { details: { orgId } });
    }
  }

  async function accessToken(orgId: string): Promise<string> {
    // A refresh under way (a send just got a 401): wait for its token rather than hand out the
    // one HubSpot refused to a batch about to go out beside it.
    const refreshing = inFlight.get(orgId);
    if (refreshing) return refreshing;
    const cached = cache.get(orgId);
    if (cached && cached.freshUntil > options.clock.now()) return cached.token;
    const connection = await getConnection(options.db, orgId);
    assertConnected(orgId, connection);
    if (usable(connection)) {
      const token = await recordingDecryptionFailure(orgId, async () => options.cipher.decrypt(connection.accessTokenEnc!));
      remember(orgId, token, connection.accessExpiresAt, connection.portalId);
      return token;
    }
    return refresh(orgId, null);
  }

  /**
   * A stored token this keyring cannot open (the key changed or went missing) becomes the
   * connection's problem, so /status says DECRYPTION_FAILED instead of only the action failing;
   * a reconnect (fresh tokens) or `reencryptTokens()` after restoring the key clears it.
   */
  async function recordingDecryptionFailure<T>(orgId: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isHubSpotKitError(error, 'DECRYPTION_FAILED')) {
        const now = new Date(options.clock.now());
        await options
          .db('hubspot_connections')
          .where({ org_id: orgId })
          .whereRaw('last_error_code IS DISTINCT FROM ?', ['DECRYPTION_FAILED'])
          .update({ last_error_code: 'DECRYPTION_FAILED', last_error_message: error.message, last_error_details: JSON.stringify({}), last_error_at: now, updated_at: now })
          .catch((cause: unknown) => options.logger.warn('could not record a decryption failure', { orgId, message: (cause as Error).message }));
        options.logger.error('a stored HubSpot token cannot be decrypted with the configured keys', { orgId });
      }
      throw error;
    }
  }

  /** Drops what this process remembers about an org (disconnect, reconnect). */
  function forget(orgId: string): void {
    cache.delete(orgId);
  }

  /**
   * Refreshes unless someone already did. `staleAccessToken` (after a 401) forces a refresh unless
   * the stored token has changed since that one was handed out.
   */
  function refresh(orgId: string, staleAccessToken: string | null): Promise<string> {
    cache.delete(orgId);
    const running = inFlight.get(orgId);
    if (running) return running;
    const promise = recordingDecryptionFailure(orgId, () => refreshLocked(orgId, staleAccessToken)).finally(() => inFlight.delete(orgId));
    inFlight.set(orgId, promise);
    return promise;
  }

  async function refreshLocked(orgId: string, staleAccessToken: string | null): Promise<string> {
    let refused: OAuthGrantError | null = null;
    let failed: { failures: number; error: unknown } | null = null;
    const token = await options.db.transaction(async (trx) => {
      const connection = await getConnectionForUpdate(trx, orgId);
      assertConnected(orgId, connection);
      const current = connection.accessTokenEnc ? options.cipher.decrypt(connection.accessTokenEnc) : null;
      if (current && usable(connection) && (staleAccessToken === null || current !== staleAccessToken)) {
        remember(orgId, current, connection.accessExpiresAt, connection.portalId);
        return current;
      }
      if (!connection.refreshTokenEnc) throw new HubSpotKitError('MUST_RECONNECT', 'No refresh token is stored; an admin must reconnect');
      // The token endpoint failed recently (for this process or another): wait out its backoff
      // instead of calling it again, so an outage costs a handful of token calls, not a loop.
      const now = options.clock.now();
      if (connection.refreshRetryAt && connection.refreshRetryAt.getTime() > now) {
        throw new HubSpotKitError('TOKEN_REFRESH_FAILED', 'The HubSpot token endpoint failed recently; waiting before the next refresh', {
          details: { orgId, retryAt: connection.refreshRetryAt.getTime(), failures: connection.refreshFailures },
        });
      }
      const refreshToken = options.cipher.decrypt(connection.refreshTokenEnc);
      try {
        const tokens = await options.oauth.refresh(refreshToken);
        const now = options.clock.now();
        const expiresAt = new Date(now + tokens.expiresInSeconds * 1000);
        await updateConnection(
          trx,
          orgId,
          {
            accessTokenEnc: options.cipher.encrypt(tokens.accessToken),
            // HubSpot refresh tokens do not rotate, but store whatever comes back.
            refreshTokenEnc: options.cipher.encrypt(tokens.refreshToken),
            accessExpiresAt: expiresAt,
            refreshFailures: 0,
            refreshRetryAt: null,
          },
          new Date(now),
        );
        remember(orgId, tokens.accessToken, expiresAt, connection.portalId);
        options.onRefresh?.('ok');
        options.logger.info('hubspot access token refreshed', { orgId, portalId: connection.portalId });
        return tokens.accessToken;
      } catch (error) {
        if (error instanceof OAuthGrantError && (error.refused || (error.ambiguous && (await refreshTokenIsDead(refreshToken, orgId))))) {
          refused = error;
          options.onRefresh?.('refused');
          await markMustReconnect(trx, connection, error);
          return null;
        }
        failed = { failures: connection.refreshFailures + 1, error };
        options.onRefresh?.('failed');
        return null;
      }
    });
    if (failed !== null) {
      // Recorded outside the rolled-back work above, so every process sees the backoff.
      const { failures, error } = failed as { failures: number; error: unknown };
      const now = options.clock.now();
      const step = decideRetry({ kind: 'refresh-failed' }, { attempt: 1, maxWaitMs: 0, refreshed: true, rebootstrapped: true, queued: true, failingSince: null, now, random: options.random ?? Math.random, refreshFailures: failures }, options.policy ?? DEFAULT_RETRY_POLICY);
      const retryAt = now + (step.action === 'hold' && step.delayMs !== null ? step.delayMs : 60_000);
      // After a 401 the stored access token is known dead: mark it expired too, so every process
      // asks for a refresh (and meets this backoff) instead of sending upserts HubSpot will refuse.
      await updateConnection(options.db, orgId, { refreshFailures: failures, refreshRetryAt: new Date(retryAt), ...(staleAccessToken !== null ? { accessExpiresAt: new Date(now) } : {}) }, new Date(now));
      cache.delete(orgId);
      options.logger.warn('hubspot token refresh failed; backing off', { orgId, failures, retryInMs: retryAt - now, message: (error as Error).message });
      throw new HubSpotKitError('TOKEN_REFRESH_FAILED', `Could not refresh the HubSpot token: ${(error as Error).message}`, { cause: error, details: { orgId, retryAt, failures } });
    }
    if (token === null) {
      await alertOnce(orgId);
      throw new HubSpotKitError('MUST_RECONNECT', `HubSpot refused to refresh the token (${(refused as OAuthGrantError | null)?.hubspotStatus ?? 'invalid_grant'}); an admin must reconnect`, {
        details: { orgId },
      });
    }
    return token;
  }

  /**
   * A 400 that does not say why (the specs' generic body) is not proof of an uninstall: only an
   * introspection answering `active: false` is. Anything else (active, or introspection failing)
   * counts as a transient failure, so a glitch at HubSpot never disconnects a portal.
   */
  async function refreshTokenIsDead(refreshToken: string, orgId: string): Promise<boolean> {
    try {
      const info = await options.oauth.introspect(refreshToken, 'refresh_token');
      options.logger.info('ambiguous token refusal: introspected the refresh token', { orgId, active: info.active });
      return !info.active;
    } catch (error) {
      options.logger.warn('ambiguous token refusal: introspection failed; treating it as transient', { orgId, message: (error as Error).message });
      return false;
    }
  }

  async function markMustReconnect(trx: Knex.Transaction, connection: Connection, error: OAuthGrantError): Promise<void> {
    const now = new Date(options.clock.now());
    await updateConnection(
      trx,
      connection.orgId,
      {
        status: 'must_reconnect',
        accessTokenEnc: null,
        lastErrorCode: 'MUST_RECONNECT',
        lastErrorMessage: `HubSpot refused the refresh token (${error.hubspotStatus ?? error.error ?? error.category ?? 'invalid_grant'}): the app was uninstalled from the portal or its access was revoked.`,
        lastErrorDetails: { portalId: connection.portalId, hubspotCategory: error.hubspotStatus ?? error.category ?? undefined, correlationId: error.correlationId ?? undefined },
        lastErrorAt: now,
        refreshFailures: 0,
        refreshRetryAt: null,
      },
      now,
    );
    options.logger.warn('hubspot connection must be reconnected', { orgId: connection.orgId, portalId: connection.portalId, hubspotStatus: error.hubspotStatus });
  }

  /** Sends the must-reconnect alert only if this process is the one that flips `alerted_at`. */
  async function alertOnce(orgId: string): Promise<void> {
    const now = new Date(options.clock.now());
    const claimed = await options.db('hubspot_connections').where({ org_id: orgId, status: 'must_reconnect' }).whereNull('alerted_at').update({ alerted_at: now });
    if (claimed !== 1) return;
    const connection = await getConnection(options.db, orgId);
    try {
      await options.notifier.notify({
        kind: 'must_reconnect',
        orgId,
        portalId: connection?.portalId ?? null,
        portalDomain: connection?.portalDomain ?? null,
        text: `JobCannon can no longer write assessment results to HubSpot portal ${connection?.portalDomain ?? connection?.portalId ?? ''}: the app was uninstalled or its access revoked. An admin should click Reconnect HubSpot in JobCannon's Integrations section. No results are lost; they are held and sent after reconnecting.`,
      });
    } catch (error) {
      options.logger.error('must-reconnect alert failed', { orgId, message: (error as Error).message });
    }
  }

  /** The portal of a token this keeper handed out (null for one it does not know). */
  function portalOf(accessToken: string): number | null {
    return portals.get(accessToken) ?? null;
  }

  return { accessToken, refresh, forget, portalOf };
}

export type TokenKeeper = ReturnType<typeof createTokenKeeper>;
