import type { Knex } from 'knex';

/**
 * JobCannon's own table, migrated by the host with its own knex migrations: the kit ships its
 * `hubspot_*` tables and bookkeeping (`hubspot_knex_migrations`) separately, so the two never meet.
 * The shape mirrors core's `AssessmentInvite`; `tests` holds the assigned tests with their results.
 */
const createInvites: Knex.Migration = {
  async up(knex) {
    await knex.schema.createTable('invites', (table) => {
      table.text('id').primary();
      table.text('org_id').notNullable();
      table.text('email').notNullable();
      table.text('status').notNullable().checkIn(['invited', 'in_progress', 'completed', 'expired'], 'invites_status_check');
      table.jsonb('tests').notNullable();
      table.timestamp('created_at', { useTz: true }).notNullable();
      table.timestamp('updated_at', { useTz: true }).notNullable();
      table.timestamp('completed_at', { useTz: true }).nullable();
      table.timestamp('expires_at', { useTz: true }).nullable();
      // Newest-first listing per org, and the sweep's page-by-page walk over in-progress invites.
      table.index(['org_id', 'created_at'], 'invites_org_created_idx');
      table.index(['org_id', 'status', 'id'], 'invites_org_status_id_idx');
    });
  },
  async down(knex) {
    await knex.schema.dropTable('invites');
  },
};

/** The candidate's name, from the invite form (sent to HubSpot as firstname/lastname: `contactNames`). */
const addNames: Knex.Migration = {
  async up(knex) {
    await knex.schema.alterTable('invites', (table) => {
      table.text('first_name').nullable();
      table.text('last_name').nullable();
    });
  },
  async down(knex) {
    await knex.schema.alterTable('invites', (table) => {
      table.dropColumn('first_name');
      table.dropColumn('last_name');
    });
  },
};

interface DemoMigration {
  name: string;
  migration: Knex.Migration;
}

const MIGRATIONS: readonly DemoMigration[] = [
  { name: '001_create_invites', migration: createInvites },
  { name: '002_add_names', migration: addNames },
];

/** A static list rather than a directory scan: it works the same under tsx, vitest and a bundle. */
const migrationSource: Knex.MigrationSource<DemoMigration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (entry) => entry.name,
  getMigration: async (entry) => entry.migration,
};

export async function migrateInvites(db: Knex): Promise<void> {
  await db.migrate.latest({ migrationSource, tableName: 'demo_knex_migrations' });
}
