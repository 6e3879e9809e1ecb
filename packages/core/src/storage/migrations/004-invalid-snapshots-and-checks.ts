import type { Knex } from 'knex';

/**
 * - Invalid snapshots live apart from the candidate's outbox row: an invite that fails validation is
 *   kept here with its reason, and never displaces, blocks or erases a valid snapshot of the same
 *   candidate that is queued or held (score-mapping.md, "Rules"). One record per invite: a newer
 *   invalid version of the same invite replaces the older; a newer valid one supersedes it.
 * - Outbox rows an admin dismissed stay as the memory of that candidate, out of the failures list.
 * - `verify_at`: after a timed-out upsert HubSpot may still apply the abandoned request later; the
 *   row is read back from HubSpot once that can no longer happen, and pushed again if it differs.
 * - `health_checked_at`: when the 5-minute job last checked an idle connection (uninstall detection).
 * - `carried`: finished tests of earlier invites of the candidate that HubSpot has not received yet
 *   (the `latest-per-test` merge: a push never drops a result the candidate finished).
 */
const UP: readonly string[] = [
  `CREATE TABLE hubspot_invalid_snapshots (
    id bigserial PRIMARY KEY,
    org_id text NOT NULL,
    email text NOT NULL,
    invite_id text NOT NULL,
    invite_updated_at timestamptz NOT NULL,
    payload jsonb NOT NULL,
    error_code text NOT NULL,
    error_message text NOT NULL,
    error_details jsonb,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT hubspot_invalid_snapshots_invite_key UNIQUE (org_id, email, invite_id)
  )`,
  `CREATE INDEX hubspot_invalid_snapshots_org_idx ON hubspot_invalid_snapshots (org_id, updated_at, id)`,
  `ALTER TABLE hubspot_outbox DROP CONSTRAINT hubspot_outbox_status_check`,
  `ALTER TABLE hubspot_outbox ADD CONSTRAINT hubspot_outbox_status_check CHECK (status IN ('pending', 'failed', 'done', 'dismissed'))`,
  `ALTER TABLE hubspot_outbox ADD COLUMN verify_at timestamptz`,
  `CREATE INDEX hubspot_outbox_verify_idx ON hubspot_outbox (verify_at) WHERE verify_at IS NOT NULL`,
  `ALTER TABLE hubspot_connections ADD COLUMN health_checked_at timestamptz`,
  `ALTER TABLE hubspot_outbox ADD COLUMN carried jsonb NOT NULL DEFAULT '[]'::jsonb`,
];

const DOWN: readonly string[] = [
  `ALTER TABLE hubspot_outbox DROP COLUMN carried`,
  `ALTER TABLE hubspot_connections DROP COLUMN health_checked_at`,
  `DROP INDEX IF EXISTS hubspot_outbox_verify_idx`,
  `ALTER TABLE hubspot_outbox DROP COLUMN verify_at`,
  `UPDATE hubspot_outbox SET status = 'failed' WHERE status = 'dismissed'`,
  `ALTER TABLE hubspot_outbox DROP CONSTRAINT hubspot_outbox_status_check`,
  `ALTER TABLE hubspot_outbox ADD CONSTRAINT hubspot_outbox_status_check CHECK (status IN ('pending', 'failed', 'done'))`,
  'DROP TABLE IF EXISTS hubspot_invalid_snapshots',
];

export async function up(knex: Knex): Promise<void> {
  for (const statement of UP) await knex.raw(statement);
}

export async function down(knex: Knex): Promise<void> {
  for (const statement of DOWN) await knex.raw(statement);
}
