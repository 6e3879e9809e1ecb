/** What the admin's row shows about a connection's activity: synced contacts and recent pushes. */
import { toCount, toDate } from './rows.js';
import { queryRows, type Db } from './sql.js';

/** Candidates of the org whose results are on a HubSpot contact. */
export async function countSyncedContacts(db: Db, orgId: string): Promise<number> {
  const rows = await queryRows<{ n: unknown }>(db, `SELECT count(*) AS n FROM hubspot_outbox WHERE org_id = ? AND hubspot_contact_id IS NOT NULL`, [orgId]);
  return toCount(rows[0]?.n);
}

export interface RecentPushRow {
  inviteId: string;
  email: string;
  outcome: 'created' | 'updated';
  contactId: string | null;
  at: Date;
}

/** The org's last successful pushes, newest first. */
export async function listRecentPushes(db: Db, orgId: string, limit: number): Promise<RecentPushRow[]> {
  const rows = await queryRows<{ invite_id: string; email: string; outcome: 'created' | 'updated'; hubspot_contact_id: string | null; created_at: Date | string }>(
    db,
    `SELECT invite_id, email, outcome, hubspot_contact_id, created_at FROM hubspot_sync_log
     WHERE org_id = ? AND outcome IN ('created', 'updated')
     ORDER BY id DESC LIMIT ?`,
    [orgId, limit],
  );
  return rows.map((row) => ({ inviteId: row.invite_id, email: row.email, outcome: row.outcome, contactId: row.hubspot_contact_id, at: toDate(row.created_at) }));
}

/** Other orgs connected to the same portal. */
export async function countPortalSharers(db: Db, portalId: number, orgId: string): Promise<number> {
  const rows = await queryRows<{ n: unknown }>(db, `SELECT count(*) AS n FROM hubspot_connections WHERE portal_id = ? AND org_id <> ? AND status = 'connected'`, [portalId, orgId]);
  return toCount(rows[0]?.n);
}
