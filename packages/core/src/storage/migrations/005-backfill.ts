import type { Knex } from 'knex';

/**
 * Backfill: a newly connected portal receives the org's past results.
 * - `hubspot_backfills`: one per org: its state, the host source's resumable cursor (so a crash or a
 *   restart resumes where it stopped), the total the host counted, and what has been enqueued.
 * - `hubspot_outbox.priority`: 0 for live results, 1 for backfilled ones. Claims take live rows
 *   first, so a result completed during a backfill is not stuck behind thousands of old ones.
 */
const UP: readonly string[] = [
  `CREATE TABLE hubspot_backfills (
    org_id text PRIMARY KEY,
    status text NOT NULL CONSTRAINT hubspot_backfills_status_check
      CHECK (status IN ('offered', 'running', 'cancelled', 'done', 'failed')),
    cursor text,
    total integer,
    enqueued integer NOT NULL DEFAULT 0,
    skipped integer NOT NULL DEFAULT 0,
    invalid integer NOT NULL DEFAULT 0,
    error_code text,
    error_details jsonb,
    started_at timestamptz,
    finished_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
  )`,
  `ALTER TABLE hubspot_outbox ADD COLUMN priority smallint NOT NULL DEFAULT 0`,
  // The admin confirmed connecting a portal another org uses (see `sharedPortals`).
  `ALTER TABLE hubspot_oauth_states ADD COLUMN allow_shared_portal boolean NOT NULL DEFAULT false`,
  // The property setup after a connect runs in the background; its progress for the widget.
  `ALTER TABLE hubspot_connections ADD COLUMN setup jsonb`,
  `DROP INDEX IF EXISTS hubspot_outbox_claim_idx`,
  `CREATE INDEX hubspot_outbox_claim_idx ON hubspot_outbox (status, priority, next_attempt_at)`,
  // The daily error budget: requests and error answers per portal and hour, summed by every process.
  `CREATE TABLE hubspot_portal_error_budget (
    portal_id bigint NOT NULL,
    hour timestamptz NOT NULL,
    requests integer NOT NULL DEFAULT 0,
    errors integer NOT NULL DEFAULT 0,
    PRIMARY KEY (portal_id, hour)
  )`,
];

const DOWN: readonly string[] = [
  `DROP TABLE IF EXISTS hubspot_portal_error_budget`,
  `ALTER TABLE hubspot_oauth_states DROP COLUMN allow_shared_portal`,
  `ALTER TABLE hubspot_connections DROP COLUMN setup`,
  `DROP INDEX IF EXISTS hubspot_outbox_claim_idx`,
  `CREATE INDEX hubspot_outbox_claim_idx ON hubspot_outbox (status, next_attempt_at)`,
  `ALTER TABLE hubspot_outbox DROP COLUMN priority`,
  `DROP TABLE IF EXISTS hubspot_backfills`,
];

export async function up(knex: Knex): Promise<void> {
  for (const statement of UP) await knex.raw(statement);
}

export async function down(knex: Knex): Promise<void> {
  for (const statement of DOWN) await knex.raw(statement);
}
