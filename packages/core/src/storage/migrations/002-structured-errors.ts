import type { Knex } from 'knex';

/**
 * Structured errors and the retry horizon.
 * - Every stored error gets its facts as jsonb beside its code (`ErrorDetails`: email, property,
 *   value, HubSpot's own message and correlation id), so nothing downstream parses prose.
 * - `failing_since` on outbox rows: when transient failures of the current snapshot began. The
 *   retry policy keeps retrying such a row for at least 72 hours, measured from here.
 * - Connections: the admin wording column goes (the widget owns wording), and a failing token
 *   endpoint is backed off per connection, across processes (`refresh_failures`, `refresh_retry_at`).
 */
const UP: readonly string[] = [
  `ALTER TABLE hubspot_outbox ADD COLUMN last_error_details jsonb`,
  `ALTER TABLE hubspot_outbox ADD COLUMN failing_since timestamptz`,
  `ALTER TABLE hubspot_connections ADD COLUMN last_error_details jsonb`,
  `ALTER TABLE hubspot_connections DROP COLUMN last_error_action`,
  `ALTER TABLE hubspot_connections ADD COLUMN refresh_failures integer NOT NULL DEFAULT 0`,
  `ALTER TABLE hubspot_connections ADD COLUMN refresh_retry_at timestamptz`,
  `ALTER TABLE hubspot_sync_log ADD COLUMN error_details jsonb`,
];

const DOWN: readonly string[] = [
  `ALTER TABLE hubspot_sync_log DROP COLUMN error_details`,
  `ALTER TABLE hubspot_connections DROP COLUMN refresh_retry_at`,
  `ALTER TABLE hubspot_connections DROP COLUMN refresh_failures`,
  `ALTER TABLE hubspot_connections ADD COLUMN last_error_action text`,
  `ALTER TABLE hubspot_connections DROP COLUMN last_error_details`,
  `ALTER TABLE hubspot_outbox DROP COLUMN failing_since`,
  `ALTER TABLE hubspot_outbox DROP COLUMN last_error_details`,
];

export async function up(knex: Knex): Promise<void> {
  for (const statement of UP) await knex.raw(statement);
}

export async function down(knex: Knex): Promise<void> {
  for (const statement of DOWN) await knex.raw(statement);
}
