import { HubSpotKitError } from '../errors.js';
import { toOAuthState, type OAuthState, type OAuthStateRow } from './rows.js';
import { execute, queryRows, type Db } from './sql.js';

const TABLE = 'hubspot_oauth_states';

export interface NewOAuthState {
  /** sha256 of the state; the caller hashes, the raw state never reaches the database. */
  stateHash: string;
  orgId: string;
  userId: string;
  allowPortalChange: boolean;
  allowSharedPortal?: boolean;
  now: Date;
  expiresAt: Date;
}

export type ConsumeOAuthStateResult =
  | { ok: true; state: OAuthState }
  | { ok: false; reason: 'unknown' | 'used' | 'expired' };

export async function createOAuthState(db: Db, input: NewOAuthState): Promise<OAuthState> {
  const rows = await queryRows<OAuthStateRow>(
    db,
    `INSERT INTO ${TABLE} (state_hash, org_id, user_id, allow_portal_change, allow_shared_portal, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     RETURNING *`,
    [input.stateHash, input.orgId, input.userId, input.allowPortalChange, input.allowSharedPortal === true, input.now, input.expiresAt],
  );
  const row = rows[0];
  if (row === undefined) throw new HubSpotKitError('INTERNAL', 'createOAuthState returned no row');
  return toOAuthState(row);
}

/**
 * Marks the state used and returns it, at most once. The guard lives in the UPDATE itself
 * (`used_at IS NULL`): of two concurrent callbacks with the same state, the second waits for the
 * first's row lock, re-checks the condition and matches nothing. The follow-up SELECT only explains
 * a refusal; it never decides one.
 */
export async function consumeOAuthState(db: Db, stateHash: string, now: Date): Promise<ConsumeOAuthStateResult> {
  const consumed = await queryRows<OAuthStateRow>(
    db,
    `UPDATE ${TABLE} SET used_at = ?
     WHERE state_hash = ? AND used_at IS NULL AND expires_at > ?
     RETURNING *`,
    [now, stateHash, now],
  );
  if (consumed[0] !== undefined) return { ok: true, state: toOAuthState(consumed[0]) };

  const existing = await queryRows<OAuthStateRow>(db, `SELECT * FROM ${TABLE} WHERE state_hash = ?`, [stateHash]);
  const row = existing[0];
  if (row === undefined) return { ok: false, reason: 'unknown' };
  return { ok: false, reason: row.used_at !== null ? 'used' : 'expired' };
}

/** Deletes states that expired, or were used, before `before`. Returns how many. */
export async function pruneOAuthStates(db: Db, before: Date): Promise<number> {
  return execute(db, `DELETE FROM ${TABLE} WHERE expires_at < ? OR used_at < ?`, [before, before]);
}
