import type { TokenCipher } from '../crypto/token-cipher.js';
import { isHubSpotKitError } from '../errors.js';
import type { IntegrationContext } from '../integration/integration-context.js';
import type { OAuthClient } from '../oauth/oauth-client.js';
import type { TokenKeeper } from '../oauth/token-keeper.js';
import { toConnection, type ConnectionRow } from '../storage/rows.js';
import { queryRows } from '../storage/sql.js';
import type { Connection } from '../storage/rows.js';
import type { ConnectionState } from './connection-state.js';

/** An idle connection is checked at most this often (the 5-minute job's cycle). */
export const DEFAULT_HEALTH_CHECK_INTERVAL_MS = 5 * 60_000;

export interface ConnectionCheckResult {
  checked: number;
  /** Connections found uninstalled or revoked (now must_reconnect, owner alerted once). */
  mustReconnect: number;
  /** Connections whose stored tokens the configured keys cannot decrypt. */
  unreadable: number;
}

/**
 * What a push would notice, noticed without one. HubSpot sends no uninstall webhook, so an idle
 * connection would stay "Connected" until the next result; the periodic job asks HubSpot about
 * each idle connection once per interval (one introspection), and reads every connection's tokens
 * with the configured keys, so a changed key is reported once as a connection problem instead of
 * failing each push in a loop. Each connection is claimed with one UPDATE, so several processes
 * never check the same one in the same interval.
 */
export function createConnectionHealth(ctx: IntegrationContext, deps: { oauth: OAuthClient; cipher: TokenCipher; tokens: TokenKeeper; connectionState: ConnectionState; intervalMs?: number }) {
  const intervalMs = deps.intervalMs ?? DEFAULT_HEALTH_CHECK_INTERVAL_MS;

  /** Reports (once) a connection whose tokens cannot be decrypted; returns whether they can. */
  async function tokensReadable(connection: Connection): Promise<boolean> {
    try {
      if (connection.refreshTokenEnc) deps.cipher.decrypt(connection.refreshTokenEnc);
      if (connection.accessTokenEnc) deps.cipher.decrypt(connection.accessTokenEnc);
      if (connection.lastErrorCode === 'DECRYPTION_FAILED') await deps.connectionState.clearProblem(connection.orgId, ['DECRYPTION_FAILED']);
      return true;
    } catch (error) {
      if (!isHubSpotKitError(error, 'DECRYPTION_FAILED')) throw error;
      if (connection.lastErrorCode !== 'DECRYPTION_FAILED') {
        ctx.logger.error('stored HubSpot tokens cannot be decrypted with the configured keys', { orgId: connection.orgId, portalId: connection.portalId });
        await deps.connectionState.setProblem(connection.orgId, { code: 'DECRYPTION_FAILED', message: 'The stored tokens cannot be decrypted with the configured encryption keys', details: { portalId: connection.portalId } });
      }
      return false;
    }
  }

  async function checkConnections(): Promise<ConnectionCheckResult> {
    const at = ctx.now();
    const due = new Date(at.getTime() - intervalMs);
    const claimed = await queryRows<ConnectionRow>(
      ctx.db,
      `UPDATE hubspot_connections SET health_checked_at = ?
       WHERE status = 'connected' AND (health_checked_at IS NULL OR health_checked_at <= ?)
       RETURNING *`,
      [at, due],
    );
    const result: ConnectionCheckResult = { checked: 0, mustReconnect: 0, unreadable: 0 };
    for (const connection of claimed.map(toConnection)) {
      if (ctx.shutdown.aborted) break;
      result.checked += 1;
      if (!(await tokensReadable(connection))) {
        result.unreadable += 1;
        continue;
      }
      // A connection that pushed within the interval has just proved itself.
      if (connection.lastSyncAt && connection.lastSyncAt.getTime() > due.getTime()) continue;
      if (!connection.refreshTokenEnc) continue;
      try {
        const info = await deps.oauth.introspect(deps.cipher.decrypt(connection.refreshTokenEnc), 'refresh_token');
        if (info.active) continue;
        // HubSpot says the refresh token is dead: confirm through the token keeper's own path,
        // which marks the connection must_reconnect and alerts the owner once.
        const current = await deps.tokens.accessToken(connection.orgId).catch(() => null);
        await deps.tokens.refresh(connection.orgId, current);
      } catch (error) {
        if (isHubSpotKitError(error, 'MUST_RECONNECT')) {
          result.mustReconnect += 1;
          continue;
        }
        // A transient failure (HubSpot down): the next cycle asks again; pushes are unaffected.
        ctx.logger.warn('idle connection check failed', { orgId: connection.orgId, message: (error as Error).message });
      }
    }
    return result;
  }

  return { checkConnections, tokensReadable };
}

export type ConnectionHealth = ReturnType<typeof createConnectionHealth>;
