// Evidence for the throughput figure: after each claim of 1,000 rows, core settles every row with
// its own UPDATE (outbox-repository.ts markPushed → settle, called once per outcome from
// settleOutcomes in create-hubspot-integration.ts), one round trip after another, and the org's next
// claim waits for all of them. This times that statement shape against one set-based UPDATE of the
// same rows, on the same database at the same moment, so the ratio holds whatever the machine's load.
import type { PostgresTestDatabase } from '@jobcannon/hubspot-core/test-support';

const LEASE = 'bench-settle-probe';

export interface SettleComparison {
  rows: number;
  rowAtATimeMs: number;
  setBasedMs: number;
}

export async function compareSettle(database: PostgresTestDatabase, rows = 1_000, rounds = 2): Promise<SettleComparison> {
  const db = database.db;
  const picked = (await db.raw('SELECT id, version FROM hubspot_outbox ORDER BY id LIMIT ?', [rows])) as { rows: Array<{ id: string; version: number }> };
  const ids = picked.rows.map((row) => String(row.id));
  const versions = picked.rows.map((row) => row.version);
  const lease = () => db.raw('UPDATE hubspot_outbox SET lease_owner = ? WHERE id = ANY(?::bigint[])', [LEASE, ids]);
  let rowAtATimeMs = 0;
  let setBasedMs = 0;
  for (let round = 0; round < rounds; round += 1) {
    await lease();
    let started = performance.now();
    for (const [index, id] of ids.entries()) {
      const now = new Date();
      // The statement core's markPushed runs for each pushed row.
      await db.raw(
        `UPDATE hubspot_outbox SET status = 'done', pushed_at = ?, hubspot_contact_id = COALESCE(?, hubspot_contact_id), attempts = 0,
           last_error_code = NULL, last_error_message = NULL, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL
         WHERE id = ? AND version = ? AND lease_owner = ?`,
        [now, `c${id}`, now, id, versions[index]!, LEASE],
      );
    }
    rowAtATimeMs += performance.now() - started;

    await lease();
    started = performance.now();
    const now = new Date();
    await db.raw(
      `UPDATE hubspot_outbox AS t SET status = 'done', pushed_at = ?, hubspot_contact_id = COALESCE(v.contact_id, t.hubspot_contact_id), attempts = 0,
         last_error_code = NULL, last_error_message = NULL, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL
       FROM (SELECT unnest(?::bigint[]) AS id, unnest(?::int[]) AS version, unnest(?::text[]) AS contact_id) AS v
       WHERE t.id = v.id AND t.version = v.version AND t.lease_owner = ?`,
      [now, now, ids, versions, ids.map((id) => `c${id}`), LEASE],
    );
    setBasedMs += performance.now() - started;
  }
  return { rows: ids.length, rowAtATimeMs: rowAtATimeMs / rounds, setBasedMs: setBasedMs / rounds };
}
