import type { TokenCipher } from '../crypto/token-cipher.js';
import type { BootstrapRunner } from '../delivery/bootstrap-runner.js';
import { ERROR_CODES, HubSpotKitError, isHubSpotKitError } from '../errors.js';
import type { IntegrationContext } from '../integration/integration-context.js';
import type { BackfillStatus, BootstrapReport, IntegrationStatusReport } from '../integration/types.js';
import { PROPERTY_GROUP } from '../mapping/property-definitions.js';
import { countPortalSharers, countSyncedContacts, listRecentPushes } from '../storage/activity-repository.js';
import type { OAuthClient } from '../oauth/oauth-client.js';
import type { TokenKeeper } from '../oauth/token-keeper.js';
import { getConnection, updateConnection } from '../storage/connections-repository.js';
import { countQueue } from '../storage/outbox-repository.js';
import type { Connection } from '../storage/rows.js';
import type { ConnectionState } from './connection-state.js';

/** What an admin does with a connection, and what the widget reads about it. */
export function createConnectionAdmin(
  ctx: IntegrationContext,
  deps: {
    oauth: OAuthClient;
    cipher: TokenCipher;
    tokens: TokenKeeper;
    bootstrap: BootstrapRunner;
    connectionState: ConnectionState;
    nudge: () => void;
    backfillStatus?: (orgId: string) => Promise<BackfillStatus | null>;
    /** Starts a drain of one org in the background (Sync now works whatever `pushOnEnqueue` says). */
    drainOrg?: (orgId: string) => void;
    errorBudget?: (portalId: number) => Promise<{ ratio: number | null; lowered: boolean }>;
  },
) {
  /** HubSpot's app, where an admin opens a contact or the property group (the consent page's host). */
  const appBase = ctx.settings.authBase.replace(/\/+$/, '');
  const contactUrl = (portalId: number, contactId: string | null) => (contactId === null ? null : `${appBase}/contacts/${portalId}/record/0-1/${encodeURIComponent(contactId)}`);

  /**
   * Whether this keyring still opens the stored refresh token (one AES-GCM check). A key that
   * changed or left the keyring shows in the status as DECRYPTION_FAILED at once, not only when
   * the next push or resync fails; a restored key clears it. Written only when it changes, so
   * polling costs no writes.
   */
  async function noteUnreadableTokens(connection: Connection): Promise<Connection> {
    if (connection.status !== 'connected' || connection.refreshTokenEnc === null) return connection;
    let problem: HubSpotKitError | null = null;
    try {
      deps.cipher.decrypt(connection.refreshTokenEnc);
    } catch (error) {
      if (!isHubSpotKitError(error, 'DECRYPTION_FAILED')) throw error;
      problem = error;
    }
    const recorded = connection.lastErrorCode === 'DECRYPTION_FAILED';
    if ((problem !== null) === recorded) return connection;
    if (problem) await deps.connectionState.setProblem(connection.orgId, { code: 'DECRYPTION_FAILED', message: problem.message });
    else await deps.connectionState.clearProblem(connection.orgId, ['DECRYPTION_FAILED']);
    return (await getConnection(ctx.db, connection.orgId)) ?? connection;
  }

  async function status(orgId: string, viewer: { manage: boolean } = { manage: false }): Promise<IntegrationStatusReport> {
    const [stored, queue, backfill] = await Promise.all([getConnection(ctx.db, orgId), countQueue(ctx.db, orgId), deps.backfillStatus?.(orgId) ?? Promise.resolve(null)]);
    const permissions = { manage: viewer.manage === true };
    if (!stored) {
      return {
        status: 'not_connected',
        portal: null,
        connectedBy: null,
        connectedAt: null,
        lastSyncAt: null,
        lastError: null,
        queue,
        bootstrap: null,
        syncing: false,
        setup: null,
        permissions,
        contactsSynced: 0,
        recentPushes: [],
        links: null,
        sharedWith: 0,
        backfill,
        errorBudget: null,
      };
    }
    const connection = await noteUnreadableTokens(stored);
    const connected = connection.status === 'connected';
    const [contactsSynced, pushes, sharedWith, errorBudget] = await Promise.all([
      countSyncedContacts(ctx.db, orgId),
      listRecentPushes(ctx.db, orgId, 20),
      connected ? countPortalSharers(ctx.db, connection.portalId, orgId) : Promise.resolve(0),
      connected && deps.errorBudget ? deps.errorBudget(connection.portalId).then(({ ratio, lowered }) => ({ ratio, lowered })) : Promise.resolve(null),
    ]);
    return {
      setup: connection.setup,
      permissions,
      contactsSynced,
      recentPushes: pushes.map((push) => ({ inviteId: push.inviteId, email: push.email, outcome: push.outcome, contactId: push.contactId, contactUrl: contactUrl(connection.portalId, push.contactId), at: push.at.toISOString() })),
      links: connected ? { propertyGroup: `${appBase}/property-settings/${connection.portalId}/properties?type=0-1&group=${PROPERTY_GROUP.name}` } : null,
      sharedWith,
      backfill,
      errorBudget,
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
      bootstrap: connection.bootstrap
        ? { ok: connection.bootstrap.ok, missing: connection.bootstrap.missing, drift: connection.bootstrap.drift, checkedAt: connection.bootstrap.checkedAt, created: connection.bootstrap.created ?? [], groupCreated: connection.bootstrap.groupCreated ?? false }
        : null,
      syncing: connection.status === 'connected' && queue.pending > 0,
    };
  }

  async function resync(orgId: string): Promise<BootstrapReport> {
    const connection = await noteUnreadableTokens(await deps.connectionState.requireConnection(orgId));
    // Said up front, without a HubSpot round trip: nothing can be sent until the tokens are readable.
    if (connection.lastErrorCode === 'DECRYPTION_FAILED') {
      throw new HubSpotKitError('DECRYPTION_FAILED', 'The stored HubSpot tokens cannot be decrypted with the configured keys; reconnect HubSpot (or restore the old key and run reencryptTokens).', { details: { orgId } });
    }
    const report = await deps.bootstrap.run(connection);
    deps.nudge();
    return report;
  }

  async function disconnect(orgId: string): Promise<void> {
    const connection = await getConnection(ctx.db, orgId);
    if (!connection || connection.status === 'disconnected') return;
    // The app is installed once per portal: while another org still uses this portal, uninstalling
    // would cut that org off too, so only this org's tokens are revoked.
    const sharedWith = connection.status === 'connected' ? await countPortalSharers(ctx.db, connection.portalId, orgId) : 0;
    if (connection.status === 'connected' && sharedWith > 0) ctx.logger.info('portal shared with another org: tokens revoked, app left installed', { orgId, portalId: connection.portalId });
    if (connection.status === 'connected' && sharedWith === 0) {
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

  async function syncNow(orgId: string): Promise<{ pending: number }> {
    await deps.connectionState.requireConnection(orgId);
    const { pending } = await countQueue(ctx.db, orgId);
    if (deps.drainOrg) deps.drainOrg(orgId);
    else deps.nudge();
    return { pending };
  }

  return { status, resync, disconnect, syncNow };
}
