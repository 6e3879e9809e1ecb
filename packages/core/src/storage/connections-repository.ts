import type { Knex } from 'knex';
import { HubSpotKitError } from '../errors.js';
import {
  connectionInputToRow,
  connectionPatchToRow,
  toConnection,
  type Connection,
  type ConnectionInput,
  type ConnectionPatch,
  type ConnectionRow,
} from './rows.js';
import { queryRows, type Db } from './sql.js';

const TABLE = 'hubspot_connections';

export async function getConnection(db: Db, orgId: string): Promise<Connection | null> {
  const rows = await queryRows<ConnectionRow>(db, `SELECT * FROM ${TABLE} WHERE org_id = ?`, [orgId]);
  return rows[0] === undefined ? null : toConnection(rows[0]);
}

/**
 * Reads the connection and locks its row until `trx` ends: the token keeper refreshes under this
 * lock and re-reads, so two processes never spend the same refresh token.
 */
export async function getConnectionForUpdate(trx: Knex.Transaction, orgId: string): Promise<Connection | null> {
  const rows = await queryRows<ConnectionRow>(trx, `SELECT * FROM ${TABLE} WHERE org_id = ? FOR UPDATE`, [orgId]);
  return rows[0] === undefined ? null : toConnection(rows[0]);
}

/**
 * Inserts the org's connection, or replaces every column of the existing one (a reconnect):
 * fields omitted from `connection` become null. `created_at` survives a replacement.
 */
export async function saveConnection(db: Db, connection: ConnectionInput, now: Date): Promise<Connection> {
  const row = connectionInputToRow(connection, now);
  const columns = Object.keys(row);
  const updates = columns
    .filter((column) => column !== 'org_id' && column !== 'created_at')
    .map((column) => `${column} = EXCLUDED.${column}`)
    .join(', ');
  const rows = await queryRows<ConnectionRow>(
    db,
    `INSERT INTO ${TABLE} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
     ON CONFLICT (org_id) DO UPDATE SET ${updates}
     RETURNING *`,
    Object.values(row) as Knex.RawBinding[],
  );
  return toConnection(expectRow(rows[0], 'saveConnection'));
}

/** Changes only the given fields. Returns the updated connection, or null when the org has none. */
export async function updateConnection(db: Db, orgId: string, patch: ConnectionPatch, now: Date): Promise<Connection | null> {
  const row = { ...connectionPatchToRow(patch), updated_at: now };
  const columns = Object.keys(row);
  const rows = await queryRows<ConnectionRow>(
    db,
    `UPDATE ${TABLE} SET ${columns.map((column) => `${column} = ?`).join(', ')} WHERE org_id = ? RETURNING *`,
    [...(Object.values(row) as Knex.RawBinding[]), orgId],
  );
  return rows[0] === undefined ? null : toConnection(rows[0]);
}

/** Orgs whose connection is `connected`, sorted (the drain and the daily sweep walk these). */
export async function listConnectedOrgIds(db: Db): Promise<string[]> {
  const rows = await queryRows<{ org_id: string }>(
    db,
    `SELECT org_id FROM ${TABLE} WHERE status = 'connected' ORDER BY org_id`,
  );
  return rows.map((row) => row.org_id);
}

/** Every org connected to a portal, whatever its status (webhooks carry only the portal id). */
export async function findConnectionsByPortal(db: Db, portalId: number): Promise<Connection[]> {
  const rows = await queryRows<ConnectionRow>(db, `SELECT * FROM ${TABLE} WHERE portal_id = ? ORDER BY org_id`, [portalId]);
  return rows.map(toConnection);
}

function expectRow<T>(row: T | undefined, operation: string): T {
  if (row === undefined) throw new HubSpotKitError('INTERNAL', `${operation} returned no row`);
  return row;
}
