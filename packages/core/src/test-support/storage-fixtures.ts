/**
 * Small builders for storage rows, so suites state only what a test is about.
 */
import { randomUUID } from 'node:crypto';
import type { ConnectionStatus } from '../integration/types.js';
import { saveConnection } from '../storage/connections-repository.js';
import type { SnapshotInput } from '../storage/outbox-repository.js';
import type { Connection, ConnectionInput } from '../storage/rows.js';
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

export function snapshotInput(orgId: string, overrides: Partial<SnapshotInput> = {}): SnapshotInput {
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
