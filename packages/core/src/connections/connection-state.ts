import type { ErrorDetails, HubSpotKitErrorCode } from '../errors.js';
import { HubSpotKitError } from '../errors.js';
import type { IntegrationContext } from '../integration/integration-context.js';
import { getConnection, updateConnection } from '../storage/connections-repository.js';
import type { Connection } from '../storage/rows.js';
import { sanitizeErrorMessage } from '../storage/rows.js';

export interface ConnectionProblem {
  code: HubSpotKitErrorCode;
  /** Technical text for logs and support (never shown to an admin as is). */
  message: string;
  details?: ErrorDetails;
}

/**
 * A connection's "current problem" (what the widget's banner shows) and the guard every
 * admin action starts with. One place decides which problems a successful push clears.
 */
export function createConnectionState(ctx: IntegrationContext) {
  async function setProblem(orgId: string, problem: ConnectionProblem): Promise<void> {
    const at = ctx.now();
    await updateConnection(ctx.db, orgId, { lastErrorCode: problem.code, lastErrorMessage: sanitizeErrorMessage(problem.message), lastErrorDetails: problem.details ?? {}, lastErrorAt: at }, at);
  }

  /** Clears the problem, or only one of the given codes when `onlyCodes` is passed. */
  async function clearProblem(orgId: string, onlyCodes?: readonly HubSpotKitErrorCode[]): Promise<void> {
    if (onlyCodes) {
      const connection = await getConnection(ctx.db, orgId);
      if (!connection?.lastErrorCode || !onlyCodes.includes(connection.lastErrorCode)) return;
    }
    const at = ctx.now();
    await updateConnection(ctx.db, orgId, { lastErrorCode: null, lastErrorMessage: null, lastErrorDetails: null, lastErrorAt: null }, at);
  }

  async function requireConnection(orgId: string): Promise<Connection> {
    const connection = await getConnection(ctx.db, orgId);
    if (!connection || connection.status === 'disconnected') throw new HubSpotKitError('NOT_CONNECTED', 'HubSpot is not connected for this organization', { details: { orgId } });
    if (connection.status === 'must_reconnect') throw new HubSpotKitError('MUST_RECONNECT', 'HubSpot must be reconnected before this can run', { details: { orgId } });
    return connection;
  }

  return { setProblem, clearProblem, requireConnection };
}

export type ConnectionState = ReturnType<typeof createConnectionState>;

/** Problems a successful push does not prove fixed: they need a reconnect or a bootstrap that succeeds. */
export const PROBLEMS_A_PUSH_DOES_NOT_CLEAR: readonly HubSpotKitErrorCode[] = ['MUST_RECONNECT', 'PROPERTIES_MISSING', 'BOOTSTRAP_FAILED', 'DECRYPTION_FAILED'];
