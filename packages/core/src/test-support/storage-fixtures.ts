/**
 * Small builders for storage rows, so suites state only what a test is about.
 */
import { randomUUID } from 'node:crypto';
import type { ConnectionStatus } from '../integration/types.js';
import { saveConnection } from '../storage/connections-repository.js';
import { upsertSnapshot, type OutboxError, type SnapshotInput } from '../storage/outbox-repository.js';
import { sanitizeErrorDetails, sanitizeErrorMessage, toOutboxRow, type OutboxDbRow, type OutboxRow } from '../storage/rows.js';
import type { Connection, ConnectionInput } from '../storage/rows.js';
import { queryRows } from '../storage/sql.js';
import type { Db } from '../storage/sql.js';

/** A fixed instant tests count from; `at(seconds)` is T0 + seconds. */
export const T0 = new Date('2026-05-17T12:00:00.000Z');

export function at(seconds: number, from: Date = T0): Date {
  return new Date(from.getTime() + seconds * 1000);
}

/** An id nobody else in the same database uses (suites share a database per backend). */
export function uniqueOrgId(prefix = 'org'): string {
  return `${prefix}_${randomUUID().slice(0, 8)}`;
}

export function connectionInput(orgId: string, overrides: Partial<ConnectionInput> = {}): ConnectionInput {
  return {
    orgId,
    portalId: 4_000_000 + Math.floor(Math.random() * 1_000_000),
    portalDomain: 'example.hubspot.com',
    installedByUserId: 'user_1',
    installedByEmail: 'admin@example.com',
    scopes: ['oauth', 'crm.objects.contacts.write'],
    accessTokenEnc: 'v1.k1.iv.tag.access',
    refreshTokenEnc: 'v1.k1.iv.tag.refresh',
    accessExpiresAt: at(1800),
    status: 'connected',
    connectedAt: T0,
    ...overrides,
  };
}

/** Saves a connection for `orgId` with the given status (default connected). */
export async function seedConnection(
  db: Db,
  orgId: string,
  status: ConnectionStatus = 'connected',
  overrides: Partial<ConnectionInput> = {},
): Promise<Connection> {
  return saveConnection(db, connectionInput(orgId, { status, ...overrides }), T0);
}

/** A snapshot for the storage suites; `failed` makes `insertSnapshot` leave it failed with that reason. */
export type SnapshotFixture = SnapshotInput & { failed?: OutboxError };

/**
 * Stores a snapshot as enqueue would and, with `failed`, settles it failed as delivery would after
 * HubSpot refused it (the state the failures list, retry and dismiss work on).
 */
export async function insertSnapshot(db: Db, input: SnapshotFixture, now: Date = T0): Promise<OutboxRow> {
  const { failed, ...snapshot } = input;
  const result = await upsertSnapshot(db, snapshot, now);
  if (result.outcome === 'ignored') throw new Error(`expected a write, got ${result.reason}`);
  if (failed === undefined) return result.row;
  const rows = await queryRows<OutboxDbRow>(
    db,
    `UPDATE hubspot_outbox SET status = 'failed', last_error_code = ?, last_error_message = ?, last_error_details = CAST(? AS jsonb), updated_at = ? WHERE id = ? RETURNING *`,
    [failed.code, sanitizeErrorMessage(failed.message), JSON.stringify(sanitizeErrorDetails(failed.details ?? {})), now, result.row.id],
  );
  return toOutboxRow(rows[0]!);
}

export function snapshotInput(orgId: string, overrides: Partial<SnapshotFixture> = {}): SnapshotFixture {
  const email = overrides.email ?? `candidate-${randomUUID().slice(0, 8)}@example.com`;
  const inviteId = overrides.inviteId ?? `inv_${randomUUID().slice(0, 8)}`;
  return {
    orgId,
    email,
    inviteId,
    snapshot: 'completed',
    inviteUpdatedAt: T0,
    payload: { id: inviteId, email, status: 'completed' },
    ...overrides,
  };
}
