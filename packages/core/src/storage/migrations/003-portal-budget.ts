import type { Knex } from 'knex';

/**
 * The portal budget every process shares (packages/core/src/budget): one row per portal and
 * request slot. A slot is free once `free_at` has passed; taking one sets `free_at` to the end of
 * its lease and `token` to the taker's, and the answer moves `free_at` to one window later.
 * `free_at` is PostgreSQL's own clock (`clock_timestamp()`), unlike the business times elsewhere
 * (written from the injected clock): the budget follows real time, the one HubSpot's window runs on.
 * Plain rows, no foreign key: a portal's budget is HubSpot's, whatever connections come and go.
 */
const UP: readonly string[] = [
  `CREATE TABLE hubspot_portal_budget_slots (
    portal_id bigint NOT NULL,
    slot integer NOT NULL,
    free_at timestamptz NOT NULL DEFAULT '-infinity',
    token text,
    PRIMARY KEY (portal_id, slot)
  )`,
];

const DOWN: readonly string[] = [`DROP TABLE hubspot_portal_budget_slots`];

export async function up(knex: Knex): Promise<void> {
  for (const statement of UP) await knex.raw(statement);
}

export async function down(knex: Knex): Promise<void> {
  for (const statement of DOWN) await knex.raw(statement);
}
