import type { Knex } from 'knex';

/**
 * The first schema. Plain SQL that PostgreSQL 15 (production, tests) and PGlite (PostgreSQL 18,
 * the demo) both accept; one statement per `raw` call because PGlite's extended-protocol `query`
 * refuses multi-statement strings.
 *
 * Every business time is written by the application from its injected clock, so no column has a
 * `DEFAULT now()`: a default would silently mix the database's clock with the test's.
 */
const UP: readonly string[] = [
  `CREATE TABLE hubspot_connections (
    org_id text PRIMARY KEY,
    portal_id bigint NOT NULL,
    portal_domain text,
    installed_by_user_id text NOT NULL,
    installed_by_email text,
    scopes jsonb NOT NULL DEFAULT '[]'::jsonb,
    access_token_enc text,
    refresh_token_enc text,
    access_expires_at timestamptz,
    status text NOT NULL CONSTRAINT hubspot_connections_status_check
      CHECK (status IN ('connected', 'must_reconnect', 'disconnected')),
    rate_limit_max integer,
    connected_at timestamptz NOT NULL,
    last_sync_at timestamptz,
    last_error_code text,
    last_error_message text,
    last_error_action text,
    last_error_at timestamptz,
    bootstrap jsonb,
    alerted_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
  )`,
  // Webhooks arrive with a portal id only; they are mapped back to orgs through this index.
  `CREATE INDEX hubspot_connections_portal_id_idx ON hubspot_connections (portal_id)`,

  `CREATE TABLE hubspot_oauth_states (
    state_hash text PRIMARY KEY,
    org_id text NOT NULL,
    user_id text NOT NULL,
    allow_portal_change boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz
  )`,
  `CREATE INDEX hubspot_oauth_states_expires_at_idx ON hubspot_oauth_states (expires_at)`,

  `CREATE TABLE hubspot_outbox (
    id bigserial PRIMARY KEY,
    org_id text NOT NULL,
    email text NOT NULL,
    invite_id text NOT NULL,
    snapshot text NOT NULL CONSTRAINT hubspot_outbox_snapshot_check CHECK (snapshot IN ('completed', 'partial')),
    invite_updated_at timestamptz NOT NULL,
    payload jsonb NOT NULL,
    status text NOT NULL CONSTRAINT hubspot_outbox_status_check CHECK (status IN ('pending', 'failed', 'done')),
    version integer NOT NULL DEFAULT 1,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    lease_owner text,
    lease_expires_at timestamptz,
    last_error_code text,
    last_error_message text,
    hubspot_contact_id text,
    pushed_at timestamptz,
    enqueued_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    -- One row per candidate and org: the target of upsertSnapshot's ON CONFLICT.
    CONSTRAINT hubspot_outbox_org_email_key UNIQUE (org_id, email)
  )`,
  // Claiming scans due pending rows in next_attempt_at order.
  `CREATE INDEX hubspot_outbox_claim_idx ON hubspot_outbox (status, next_attempt_at)`,
  // Per-org queue counts and keyset paging of failures (id DESC).
  `CREATE INDEX hubspot_outbox_org_status_idx ON hubspot_outbox (org_id, status, id)`,
  // GDPR purge by HubSpot contact id (webhook contact.deletion).
  `CREATE INDEX hubspot_outbox_org_contact_idx ON hubspot_outbox (org_id, hubspot_contact_id)
    WHERE hubspot_contact_id IS NOT NULL`,

  `CREATE TABLE hubspot_sync_log (
    id bigserial PRIMARY KEY,
    org_id text NOT NULL,
    invite_id text NOT NULL,
    email text NOT NULL,
    outcome text NOT NULL CONSTRAINT hubspot_sync_log_outcome_check
      CHECK (outcome IN ('created', 'updated', 'failed', 'retry')),
    hubspot_contact_id text,
    error_code text,
    error_message text,
    correlation_id text,
    attempt integer NOT NULL,
    created_at timestamptz NOT NULL
  )`,
  `CREATE INDEX hubspot_sync_log_org_id_idx ON hubspot_sync_log (org_id, id)`,
  `CREATE INDEX hubspot_sync_log_org_invite_idx ON hubspot_sync_log (org_id, invite_id)`,
  `CREATE INDEX hubspot_sync_log_org_email_idx ON hubspot_sync_log (org_id, email)`,
  `CREATE INDEX hubspot_sync_log_created_at_idx ON hubspot_sync_log (created_at)`,

  `CREATE TABLE hubspot_webhook_events (
    event_key text PRIMARY KEY,
    portal_id bigint NOT NULL,
    subscription_type text NOT NULL,
    received_at timestamptz NOT NULL
  )`,
  `CREATE INDEX hubspot_webhook_events_received_at_idx ON hubspot_webhook_events (received_at)`,
];

const DOWN: readonly string[] = [
  'DROP TABLE IF EXISTS hubspot_webhook_events',
  'DROP TABLE IF EXISTS hubspot_sync_log',
  'DROP TABLE IF EXISTS hubspot_outbox',
  'DROP TABLE IF EXISTS hubspot_oauth_states',
  'DROP TABLE IF EXISTS hubspot_connections',
];

export async function up(knex: Knex): Promise<void> {
  for (const statement of UP) await knex.raw(statement);
}

export async function down(knex: Knex): Promise<void> {
  for (const statement of DOWN) await knex.raw(statement);
}
