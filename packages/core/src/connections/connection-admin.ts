import type { TokenCipher } from '../crypto/token-cipher.js';
import type { BootstrapRunner } from '../delivery/bootstrap-runner.js';
import { ERROR_CODES } from '../errors.js';
import type { IntegrationContext } from '../integration/integration-context.js';
import type { BootstrapReport, IntegrationStatusReport } from '../integration/types.js';
import type { OAuthClient } from '../oauth/oauth-client.js';
import type { TokenKeeper } from '../oauth/token-keeper.js';
import { getConnection, updateConnection } from '../storage/connections-repository.js';
import { countQueue } from '../storage/outbox-repository.js';
import type { ConnectionState } from './connection-state.js';

/** What an admin does with a connection, and what the widget reads about it. */
export function createConnectionAdmin(
  ctx: IntegrationContext,
  deps: { oauth: OAuthClient; cipher: TokenCipher; tokens: TokenKeeper; bootstrap: BootstrapRunner; connectionState: ConnectionState; nudge: () => void },
) {
  async function status(orgId: string): Promise<IntegrationStatusReport> {
    const [connection, queue] = await Promise.all([getConnection(ctx.db, orgId), countQueue(ctx.db, orgId)]);
    if (!connection) {
      return { status: 'not_connected', portal: null, connectedBy: null, connectedAt: null, lastSyncAt: null, lastError: null, queue, bootstrap: null, syncing: false };
    }
    return {
      status: connection.status,
      portal: { id: connection.portalId, domain: connection.portalDomain },
      connectedBy: connection.installedByEmail ?? connection.installedByUserId,
      connectedAt: connection.connectedAt.toISOString(),
      lastSyncAt: connection.lastSyncAt?.toISOString() ?? null,
      lastError:
        connection.lastErrorCode === null
          ? null
          : { code: connection.lastErrorCode, details: connection.lastErrorDetails ?? {}, retryable: ERROR_CODES[connection.lastErrorCode].retryable, at: (connection.lastErrorAt ?? connection.updatedAt).toISOString() },
      queue,
      bootstrap: connection.bootstrap ? { ok: connection.bootstrap.ok, missing: connection.bootstrap.missing, drift: connection.bootstrap.drift, checkedAt: connection.bootstrap.checkedAt } : null,
      syncing: connection.status === 'connected' && queue.pending > 0,
    };
  }

  async function resync(orgId: string): Promise<BootstrapReport> {
    const report = await deps.bootstrap.run(await deps.connectionState.requireConnection(orgId));
    deps.nudge();
    return report;
  }

  async function disconnect(orgId: string): Promise<void> {
    const connection = await getConnection(ctx.db, orgId);
    if (!connection || connection.status === 'disconnected') return;
    if (connection.status === 'connected') {
      try {
        const token = await deps.tokens.accessToken(orgId);
        await deps.oauth.uninstall(token);
      } catch (error) {
        ctx.logger.warn('uninstall during disconnect failed', { orgId, message: (error as Error).message });
      }
    }
    if (connection.refreshTokenEnc) {
      try {
        await deps.oauth.revoke(deps.cipher.decrypt(connection.refreshTokenEnc));
      } catch (error) {
        // A token we cannot decrypt (the key changed) or HubSpot refusing the revoke must not keep
        // the admin from disconnecting: the tokens are dropped below either way.
        ctx.logger.warn('token revoke during disconnect failed', { orgId, message: (error as Error).message });
      }
    }
    deps.tokens.forget(orgId);
    const at = ctx.now();
    await updateConnection(ctx.db, orgId, { status: 'disconnected', accessTokenEnc: null, refreshTokenEnc: null, accessExpiresAt: null, lastErrorCode: null, lastErrorMessage: null, lastErrorDetails: null, lastErrorAt: null, refreshFailures: 0, refreshRetryAt: null }, at);
    ctx.logger.info('hubspot disconnected', { orgId, portalId: connection.portalId });
  }

  return { status, resync, disconnect };
}
