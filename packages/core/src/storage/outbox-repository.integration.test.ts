import { expect, it } from 'vitest';
import { at, insertSnapshot, seedConnection, snapshotInput, T0, uniqueOrgId } from '../test-support/storage-fixtures.js';
import { describeEachBackend } from '../test-support/test-databases.js';
import { createPostgresDatabase } from './database.js';
import { updateConnection } from './connections-repository.js';
import {
  claimDueRows,
  countQueue,
  getOutboxRow,
  getOutboxRowByEmail,
  hasDueRows,
  markFailed,
  markPushed,
  nextDueAt,
  oldestPendingAge,
  reclaimExpiredLeases,
  releaseLease,
  reschedule,
  upsertSnapshot,
  upsertSnapshots,
} from './outbox-repository.js';
import { listFailures, retryFailedRows } from './failures-repository.js';
import type { OutboxRow } from './rows.js';
import type { Db } from './sql.js';

const LEASE_MS = 60_000;

const insert = insertSnapshot;

async function claim(db: Db, orgId: string, workerId = 'w1', now: Date = T0, limit = 100): Promise<OutboxRow[]> {
  return claimDueRows(db, { workerId, now, leaseMs: LEASE_MS, limit, orgId });
}

describeEachBackend('outbox: upsertSnapshot', (backend) => {
  it('inserts a new candidate as pending, due now, version 1, with the payload as given', async () => {
    const orgId = uniqueOrgId();
    const payload = { id: 'inv_1', nested: { scores: [1, 2.5, null] }, text: 'Zoë' };
    const result = await upsertSnapshot(
      backend.db,
      snapshotInput(orgId, { email: '  Ada@Example.COM ', inviteId: 'inv_1', payload }),
      T0,
    );
    expect(result.outcome).toBe('inserted');
    if (result.outcome === 'ignored') return;
    expect(result.row).toMatchObject({
      orgId,
      email: 'ada@example.com',
      inviteId: 'inv_1',
      snapshot: 'completed',
      status: 'pending',
      version: 1,
      attempts: 0,
      payload,
      leaseOwner: null,
      lastErrorCode: null,
    });
    expect(result.row.id).toMatch(/^\d+$/);
    expect(result.row.nextAttemptAt).toEqual(T0);
    expect(result.row.inviteUpdatedAt).toEqual(T0);
    expect(result.row.enqueuedAt).toEqual(T0);
  });

  it('replaces an older snapshot of the same kind: new payload, pending, attempts 0, error cleared, version + 1', async () => {
    const orgId = uniqueOrgId();
    const first = await insert(backend.db, snapshotInput(orgId, { email: 'a@x.io', snapshot: 'partial', inviteUpdatedAt: at(0) }));
    const [claimed] = await claimDueRows(backend.db, { workerId: 'w1', now: at(1), leaseMs: LEASE_MS, limit: 1, orgId });
    expect(claimed).toBeUndefined(); // no connection yet: held
    await seedConnection(backend.db, orgId);
    const [leased] = await claim(backend.db, orgId, 'w1', at(1));
    expect(leased?.id).toBe(first.id);
    await markFailed(backend.db, { id: first.id, version: 1, workerId: 'w1', attempts: 3, error: { code: 'HUBSPOT_REJECTED', message: 'boom' }, now: at(2) });

    const result = await upsertSnapshot(
      backend.db,
      snapshotInput(orgId, { email: 'A@x.io', inviteId: 'inv_2', snapshot: 'partial', inviteUpdatedAt: at(10), payload: { v: 2 } }),
      at(20),
    );
    expect(result.outcome).toBe('replaced');
    if (result.outcome === 'ignored') return;
    expect(result.row).toMatchObject({
      id: first.id,
      inviteId: 'inv_2',
      payload: { v: 2 },
      status: 'pending',
      version: 2,
      attempts: 0,
      lastErrorCode: null,
      lastErrorMessage: null,
    });
    expect(result.row.nextAttemptAt).toEqual(at(20));
    expect(result.row.createdAt).toEqual(T0);
  });

  it('replaces when the time is equal (re-enqueueing the same invite pushes it again)', async () => {
    const orgId = uniqueOrgId();
    const input = snapshotInput(orgId);
    await insert(backend.db, input);
    const again = await upsertSnapshot(backend.db, input, at(5));
    expect(again.outcome).toBe('replaced');
  });

  it('ignores an older snapshot of the same kind as stale', async () => {
    const orgId = uniqueOrgId();
    const email = 'b@x.io';
    await insert(backend.db, snapshotInput(orgId, { email, inviteUpdatedAt: at(100), payload: { v: 'new' } }));
    for (const snapshot of ['completed', 'partial'] as const) {
      const kindOrg = `${orgId}_${snapshot}`;
      await insert(backend.db, snapshotInput(kindOrg, { email, snapshot, inviteUpdatedAt: at(100), payload: { v: 'new' } }));
      const result = await upsertSnapshot(
        backend.db,
        snapshotInput(kindOrg, { email, snapshot, inviteUpdatedAt: at(50), payload: { v: 'old' } }),
        at(200),
      );
      expect(result).toEqual({ outcome: 'ignored', reason: 'stale' });
      expect((await getOutboxRowByEmail(backend.db, kindOrg, email))?.payload).toEqual({ v: 'new' });
    }
  });

  it('never lets a partial of the same invite replace its completed snapshot, whatever its status or time', async () => {
    const orgId = uniqueOrgId();
    await seedConnection(backend.db, orgId);
    const email = 'c@x.io';
    const inviteId = 'inv_same';
    const completed = await insert(backend.db, snapshotInput(orgId, { email, inviteId, inviteUpdatedAt: at(0), payload: { v: 'done' } }));

    const whilePending = await upsertSnapshot(backend.db, snapshotInput(orgId, { email, inviteId, snapshot: 'partial', inviteUpdatedAt: at(500) }), at(1));
    expect(whilePending).toEqual({ outcome: 'ignored', reason: 'partial_after_completed' });

    const [leased] = await claim(backend.db, orgId, 'w1', at(2));
    expect(await markPushed(backend.db, { id: completed.id, version: leased?.version ?? 0, workerId: 'w1', contactId: '901', now: at(3) })).toBe(true);
    const whileDone = await upsertSnapshot(backend.db, snapshotInput(orgId, { email, inviteId, snapshot: 'partial', inviteUpdatedAt: at(900) }), at(4));
    expect(whileDone).toEqual({ outcome: 'ignored', reason: 'partial_after_completed' });

    const row = await getOutboxRowByEmail(backend.db, orgId, email);
    expect(row).toMatchObject({ snapshot: 'completed', status: 'done', payload: { v: 'done' }, hubspotContactId: '901' });

    // A partial of a newer invite does take the row: the nightly sweep shows the new invite in progress.
    const newerInvite = await upsertSnapshot(backend.db, snapshotInput(orgId, { email, inviteId: 'inv_newer', snapshot: 'partial', inviteUpdatedAt: at(1_000) }), at(5));
    expect(newerInvite.outcome).toBe('replaced');
    expect(await getOutboxRowByEmail(backend.db, orgId, email)).toMatchObject({ inviteId: 'inv_newer', snapshot: 'partial', status: 'pending', hubspotContactId: '901' });
  });

  it('lets a completed snapshot replace a partial one of the same invite, even one stamped later', async () => {
    const orgId = uniqueOrgId();
    const email = 'd@x.io';
    await insert(backend.db, snapshotInput(orgId, { email, inviteId: 'inv_d', snapshot: 'partial', inviteUpdatedAt: at(100) }));
    const result = await upsertSnapshot(backend.db, snapshotInput(orgId, { email, inviteId: 'inv_d', snapshot: 'completed', inviteUpdatedAt: at(90) }), at(1));
    expect(result.outcome).toBe('replaced');
  });

  it('masks bearer tokens and caps the length of stored error messages', async () => {
    const orgId = uniqueOrgId();
    await seedConnection(backend.db, orgId);
    const row = await insert(backend.db, snapshotInput(orgId));
    await claim(backend.db, orgId, 'w1', at(1));
    const message = `Authorization: Bearer abc.def-123 ${'x'.repeat(5000)}`;
    expect(await markFailed(backend.db, { id: row.id, version: row.version, workerId: 'w1', attempts: 1, error: { code: 'HUBSPOT_REJECTED', message, details: { hubspotMessage: message } }, now: at(2) })).toBe(true);
    const stored = await getOutboxRow(backend.db, orgId, row.id);
    expect(stored?.lastErrorMessage).not.toContain('abc.def-123');
    expect(stored?.lastErrorMessage).toContain('Bearer [redacted]');
    expect(stored?.lastErrorMessage?.length).toBeLessThanOrEqual(2000);
    expect(String(stored?.lastErrorDetails?.hubspotMessage)).not.toContain('abc.def-123');
  });

  it('keeps one row per org and email: the same email in two orgs is two rows', async () => {
    const orgA = uniqueOrgId();
    const orgB = uniqueOrgId();
    const a = await insert(backend.db, snapshotInput(orgA, { email: 'same@x.io' }));
    const b = await insert(backend.db, snapshotInput(orgB, { email: 'same@x.io' }));
    expect(a.id).not.toBe(b.id);
    expect(b.version).toBe(1);
  });

  it.runIf(backend.name === 'postgres')(
    'race: a partial and a completed enqueued at the same moment always end with the completed one',
    async () => {
      const connectionString = backend.connectionString;
      if (connectionString === null) throw new Error('postgres only');
      const orgId = uniqueOrgId('race');
      // Two pools, so the statements really run on different sessions at the same time.
      const other = createPostgresDatabase(connectionString, { max: 4 });
      try {
        const rounds = 40;
        const outcomes = await Promise.all(
          Array.from({ length: rounds }, async (_, round) => {
            const email = `race-${round}@x.io`;
            // Half the rounds start from an existing older partial, half from nothing.
            if (round % 2 === 0) {
              await insert(backend.db, snapshotInput(orgId, { email, inviteId: `inv-race-${round}`, snapshot: 'partial', inviteUpdatedAt: at(-10), payload: { v: 'seed' } }));
            }
            // The partial is stamped later: only the same-invite rule (completed beats partial) decides.
            const partial = snapshotInput(orgId, { email, inviteId: `inv-race-${round}`, snapshot: 'partial', inviteUpdatedAt: at(2), payload: { v: 'partial' } });
            const completed = snapshotInput(orgId, { email, inviteId: `inv-race-${round}`, snapshot: 'completed', inviteUpdatedAt: at(1), payload: { v: 'completed' } });
            const [dbP, dbC] = round % 4 < 2 ? [backend.db, other] : [other, backend.db];
            return Promise.all([upsertSnapshot(dbP, partial, at(3)), upsertSnapshot(dbC, completed, at(3))]);
          }),
        );
        for (let round = 0; round < rounds; round += 1) {
          const row = await getOutboxRowByEmail(backend.db, orgId, `race-${round}@x.io`);
          expect(row, `round ${round}`).toMatchObject({ snapshot: 'completed', payload: { v: 'completed' } });
          expect(outcomes[round]?.[1].outcome).not.toBe('ignored');
        }
      } finally {
        await other.destroy();
      }
    },
  );

  it('joins the caller transaction: a rollback leaves no row', async () => {
    const orgId = uniqueOrgId();
    const input = snapshotInput(orgId);
    await expect(
      backend.db.transaction(async (trx) => {
        await upsertSnapshot(trx, input, T0);
        throw new Error('host rolled back');
      }),
    ).rejects.toThrow('host rolled back');
    expect(await getOutboxRowByEmail(backend.db, orgId, input.email)).toBeNull();
  });
});

describeEachBackend('outbox: claiming and settling', (backend) => {
  it('claims only due, unleased, pending rows of connected orgs, oldest due first, and sets the lease', async () => {
    const connected = uniqueOrgId('conn');
    const mustReconnect = uniqueOrgId('mr');
    const disconnected = uniqueOrgId('disc');
    const neverConnected = uniqueOrgId('none');
    await seedConnection(backend.db, connected);
    await seedConnection(backend.db, mustReconnect, 'must_reconnect');
    await seedConnection(backend.db, disconnected, 'disconnected');

    const late = await insert(backend.db, snapshotInput(connected), at(5));
    const early = await insert(backend.db, snapshotInput(connected), at(1));
    const future = await insert(backend.db, snapshotInput(connected), at(100));
    const failed = await insert(backend.db, snapshotInput(connected, { failed: { code: 'HUBSPOT_REJECTED', message: 'x' } }), at(0));
    for (const orgId of [mustReconnect, disconnected, neverConnected]) await insert(backend.db, snapshotInput(orgId), at(0));

    const all = await claimDueRows(backend.db, { workerId: 'w1', now: at(10), leaseMs: LEASE_MS, limit: 100 });
    const mine = all.filter((row) => [mustReconnect, disconnected, neverConnected, connected].includes(row.orgId));
    expect(mine.map((row) => row.id)).toEqual([early.id, late.id]);
    expect(mine.every((row) => row.leaseOwner === 'w1' && row.leaseExpiresAt?.getTime() === at(10).getTime() + LEASE_MS)).toBe(true);
    expect(mine.every((row) => row.attempts === 0)).toBe(true);
    expect(mine.map((row) => row.id)).not.toContain(future.id);
    expect(mine.map((row) => row.id)).not.toContain(failed.id);

    // Leased rows are not claimed again until the lease expires.
    expect(await claim(backend.db, connected, 'w2', at(20))).toEqual([]);
    const afterExpiry = await claim(backend.db, connected, 'w2', at(10 + LEASE_MS / 1000));
    expect(afterExpiry.map((row) => row.id)).toEqual([early.id, late.id]);
    expect(afterExpiry.every((row) => row.leaseOwner === 'w2')).toBe(true);
  });

  it('respects the limit and the org filter', async () => {
    const orgA = uniqueOrgId();
    const orgB = uniqueOrgId();
    await seedConnection(backend.db, orgA);
    await seedConnection(backend.db, orgB);
    for (let i = 0; i < 5; i += 1) await insert(backend.db, snapshotInput(orgA), at(i));
    await insert(backend.db, snapshotInput(orgB), at(0));
    expect((await claim(backend.db, orgA, 'w1', at(10), 3)).length).toBe(3);
    const rest = await claim(backend.db, orgA, 'w1', at(10), 100);
    expect(rest.length).toBe(2);
    expect(rest.every((row) => row.orgId === orgA)).toBe(true);
    expect(await claimDueRows(backend.db, { workerId: 'w', now: at(10), leaseMs: LEASE_MS, limit: 0 })).toEqual([]);
  });

  it('markPushed completes the claimed version: done, contact id, pushed_at, attempts reset, lease cleared', async () => {
    const orgId = uniqueOrgId();
    await seedConnection(backend.db, orgId);
    const row = await insert(backend.db, snapshotInput(orgId));
    const [leased] = await claim(backend.db, orgId, 'w1', at(1));
    if (leased === undefined) throw new Error('nothing claimed');
    await reschedule(backend.db, { id: row.id, version: leased.version, workerId: 'w1', nextAttemptAt: at(2), attempts: 1, error: { code: 'HUBSPOT_RATE_LIMITED', message: '429' }, now: at(1) });
    const [again] = await claim(backend.db, orgId, 'w1', at(3));
    expect(again?.attempts).toBe(1);
    expect(await markPushed(backend.db, { id: row.id, version: row.version, workerId: 'w1', contactId: '5150', now: at(4) })).toBe(true);
    expect(await getOutboxRow(backend.db, orgId, row.id)).toMatchObject({
      status: 'done',
      hubspotContactId: '5150',
      pushedAt: at(4),
      attempts: 0,
      leaseOwner: null,
      leaseExpiresAt: null,
      lastErrorCode: null,
    });
    expect(await claim(backend.db, orgId, 'w1', at(5))).toEqual([]);
  });

  it('version guard: a replacement during the push keeps the new snapshot pending and pushable', async () => {
    const orgId = uniqueOrgId();
    await seedConnection(backend.db, orgId);
    const email = 'v@x.io';
    await insert(backend.db, snapshotInput(orgId, { email, snapshot: 'partial', inviteUpdatedAt: at(0), payload: { v: 1 } }));
    const [leased] = await claim(backend.db, orgId, 'w1', at(1));
    if (leased === undefined) throw new Error('nothing claimed');

    const replaced = await upsertSnapshot(
      backend.db,
      snapshotInput(orgId, { email, snapshot: 'completed', inviteUpdatedAt: at(2), payload: { v: 2 } }),
      at(2),
    );
    expect(replaced.outcome).toBe('replaced');
    // While the old push is still in flight nobody else may claim the new version.
    expect(await claim(backend.db, orgId, 'w2', at(3))).toEqual([]);

    expect(await markPushed(backend.db, { id: leased.id, version: leased.version, workerId: 'w1', contactId: '77', now: at(4) })).toBe(false);
    const row = await getOutboxRow(backend.db, orgId, leased.id);
    expect(row).toMatchObject({ status: 'pending', version: 2, payload: { v: 2 }, leaseOwner: null, pushedAt: null, hubspotContactId: '77' });

    const [next] = await claim(backend.db, orgId, 'w2', at(5));
    expect(next).toMatchObject({ id: leased.id, version: 2, payload: { v: 2 } });
  });

  it('reschedule and markFailed are guarded by version and lease owner too', async () => {
    const orgId = uniqueOrgId();
    await seedConnection(backend.db, orgId);
    const row = await insert(backend.db, snapshotInput(orgId));
    const [leased] = await claim(backend.db, orgId, 'w1', at(1));
    if (leased === undefined) throw new Error('nothing claimed');
    const error = { code: 'HUBSPOT_UNAVAILABLE' as const, message: 'e' };

    expect(await reschedule(backend.db, { id: row.id, version: 1, workerId: 'intruder', nextAttemptAt: at(9), attempts: 1, error, now: at(1) })).toBe(false);
    expect(await markFailed(backend.db, { id: row.id, version: 1, workerId: 'intruder', attempts: 6, error, now: at(1) })).toBe(false);
    expect(await markPushed(backend.db, { id: row.id, version: 1, workerId: 'intruder', contactId: '1', now: at(1) })).toBe(false);
    expect(await getOutboxRow(backend.db, orgId, row.id)).toMatchObject({ status: 'pending', leaseOwner: 'w1', hubspotContactId: null });

    // The lease is ours but the version is not: nothing is applied, and the lease is given back
    // (that is what happens when a newer snapshot replaced the row mid-push).
    expect(await markFailed(backend.db, { id: row.id, version: 2, workerId: 'w1', attempts: 6, error, now: at(1) })).toBe(false);
    expect(await getOutboxRow(backend.db, orgId, row.id)).toMatchObject({ status: 'pending', attempts: 0, leaseOwner: null });
    expect((await claim(backend.db, orgId, 'w1', at(1))).map((claimed) => claimed.id)).toEqual([row.id]);

    expect(await reschedule(backend.db, { id: row.id, version: 1, workerId: 'w1', nextAttemptAt: at(30), attempts: 2, error, now: at(2) })).toBe(true);
    expect(await getOutboxRow(backend.db, orgId, row.id)).toMatchObject({
      status: 'pending',
      attempts: 2,
      nextAttemptAt: at(30),
      lastErrorCode: 'HUBSPOT_UNAVAILABLE',
      leaseOwner: null,
    });
    expect(await claim(backend.db, orgId, 'w1', at(29))).toEqual([]);
    const [again] = await claim(backend.db, orgId, 'w1', at(30));
    expect(await markFailed(backend.db, { id: row.id, version: again?.version ?? 0, workerId: 'w1', attempts: 6, error: { code: 'HUBSPOT_INVALID_EMAIL', message: 'bad email' }, now: at(31) })).toBe(true);
    expect(await getOutboxRow(backend.db, orgId, row.id)).toMatchObject({ status: 'failed', attempts: 6, lastErrorCode: 'HUBSPOT_INVALID_EMAIL', leaseOwner: null });
    expect(await markPushed(backend.db, { id: 'not-an-id', version: 1, workerId: 'w1', contactId: null, now: at(1) })).toBe(false);
  });

  it('releaseLease returns unattempted rows untouched, only for the lease owner', async () => {
    const orgId = uniqueOrgId();
    await seedConnection(backend.db, orgId);
    const rows = [await insert(backend.db, snapshotInput(orgId)), await insert(backend.db, snapshotInput(orgId))];
    await claim(backend.db, orgId, 'w1', at(1));
    const ids = rows.map((row) => row.id);
    expect(await releaseLease(backend.db, { ids, workerId: 'w2' })).toBe(0);
    expect(await releaseLease(backend.db, { ids: [...ids, 'junk'], workerId: 'w1' })).toBe(2);
    const again = await claim(backend.db, orgId, 'w2', at(2));
    expect(again.map((row) => [row.id, row.attempts, row.version])).toEqual(ids.map((id) => [id, 0, 1]));
    expect(await releaseLease(backend.db, { ids: [], workerId: 'w2' })).toBe(0);
  });

  it('reclaimExpiredLeases frees only expired leases', async () => {
    const orgId = uniqueOrgId();
    await seedConnection(backend.db, orgId);
    await insert(backend.db, snapshotInput(orgId));
    await claim(backend.db, orgId, 'dead-worker', at(0));
    await insert(backend.db, snapshotInput(orgId), at(30));
    expect(await claim(backend.db, orgId, 'live-worker', at(30))).toHaveLength(1);

    // Other suites' rows in this database may be leased too: count only this org's.
    expect(await reclaimExpiredLeases(backend.db, at(LEASE_MS / 1000 + 1))).toBeGreaterThanOrEqual(1);
    const rows = await backend.db('hubspot_outbox').where({ org_id: orgId }).orderBy('id');
    expect(rows.map((row: { lease_owner: string | null }) => row.lease_owner)).toEqual([null, 'live-worker']);
  });

  it.runIf(backend.name === 'postgres')('two concurrent claimers get disjoint rows (SKIP LOCKED)', async () => {
    const connectionString = backend.connectionString;
    if (connectionString === null) throw new Error('postgres only');
    const orgId = uniqueOrgId('skip');
    await seedConnection(backend.db, orgId);
    const total = 60;
    for (let i = 0; i < total; i += 1) await insert(backend.db, snapshotInput(orgId), at(0));

    const dbs = [backend.db, createPostgresDatabase(connectionString, { max: 2 }), createPostgresDatabase(connectionString, { max: 2 })];
    try {
      const claimed: OutboxRow[][] = await Promise.all(
        dbs.flatMap((db, index) =>
          [0, 1].map((round) => claimDueRows(db, { workerId: `w${index}-${round}`, now: at(1), leaseMs: LEASE_MS, limit: 15, orgId })),
        ),
      );
      const ids = claimed.flat().map((row) => row.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBeLessThanOrEqual(total);
      // Each claimer's rows carry its own lease.
      for (const [index, rows] of claimed.entries()) {
        const owners = new Set(rows.map((row) => row.leaseOwner));
        expect(owners.size).toBeLessThanOrEqual(1);
        if (rows.length > 0) expect(owners.has(`w${Math.floor(index / 2)}-${index % 2}`)).toBe(true);
      }
      const leased = await backend.db('hubspot_outbox').where({ org_id: orgId }).whereNotNull('lease_owner').count({ n: '*' });
      expect(Number(leased[0]?.n)).toBe(ids.length);
    } finally {
      await Promise.all(dbs.slice(1).map((db) => db.destroy()));
    }
  });

  it('hasDueRows, nextDueAt and oldestPendingAge see only claimable work of connected orgs', async () => {
    const orgId = uniqueOrgId();
    const held = uniqueOrgId();
    await seedConnection(backend.db, orgId);
    await seedConnection(backend.db, held, 'must_reconnect');
    await insert(backend.db, snapshotInput(held), at(0));
    expect(await hasDueRows(backend.db, at(1000), orgId)).toBe(false);
    expect(await hasDueRows(backend.db, at(1000), held)).toBe(false);
    expect(await nextDueAt(backend.db, orgId)).toBeNull();
    expect(await oldestPendingAge(backend.db, at(1000), orgId)).toBeNull();

    await insert(backend.db, snapshotInput(orgId), at(10));
    expect(await hasDueRows(backend.db, at(9), orgId)).toBe(false);
    expect(await hasDueRows(backend.db, at(10), orgId)).toBe(true);
    expect(await nextDueAt(backend.db, orgId)).toEqual(at(10));
    expect(await oldestPendingAge(backend.db, at(70), orgId)).toBe(60_000);
    await claim(backend.db, orgId, 'w1', at(10));
    expect(await hasDueRows(backend.db, at(11), orgId)).toBe(false);
  });
});

describeEachBackend('outbox: queue counts, failures and retry', (backend) => {
  it('counts pending for a connected org, held while it must reconnect, failed always', async () => {
    const orgId = uniqueOrgId();
    expect(await countQueue(backend.db, orgId)).toEqual({ pending: 0, failed: 0, held: 0 });
    await insert(backend.db, snapshotInput(orgId));
    await insert(backend.db, snapshotInput(orgId));
    await insert(backend.db, snapshotInput(orgId, { failed: { code: 'INVALID_INVITE', message: 'x' } }));
    expect(await countQueue(backend.db, orgId)).toEqual({ pending: 0, failed: 1, held: 2 }); // no connection
    await seedConnection(backend.db, orgId);
    expect(await countQueue(backend.db, orgId)).toEqual({ pending: 2, failed: 1, held: 0 });
    await updateConnection(backend.db, orgId, { status: 'must_reconnect' }, at(1));
    expect(await countQueue(backend.db, orgId)).toEqual({ pending: 0, failed: 1, held: 2 });
    await updateConnection(backend.db, orgId, { status: 'disconnected' }, at(2));
    expect(await countQueue(backend.db, orgId)).toEqual({ pending: 0, failed: 1, held: 2 });
  });

  it('pages failures newest first by id with a total, and rejects a forged cursor', async () => {
    const orgId = uniqueOrgId();
    const other = uniqueOrgId();
    const failed: OutboxRow[] = [];
    for (let i = 0; i < 5; i += 1) {
      failed.push(await insert(backend.db, snapshotInput(orgId, { failed: { code: 'HUBSPOT_INVALID_VALUE', message: `reason ${i}`, details: { property: 'jc_iq_score', value: String(170 + i) } } }), at(i)));
    }
    await insert(backend.db, snapshotInput(orgId));
    await insert(backend.db, snapshotInput(other, { failed: { code: 'HUBSPOT_UNAVAILABLE', message: 'other org' } }));

    const first = await listFailures(backend.db, orgId, { limit: 2 });
    expect(first.total).toBe(5);
    expect(first.items.map((item) => item.id)).toEqual([failed[4]?.id, failed[3]?.id]);
    expect(first.items[0]).toEqual({
      id: failed[4]?.id,
      inviteId: failed[4]?.inviteId,
      email: failed[4]?.email,
      code: 'HUBSPOT_INVALID_VALUE',
      details: { email: failed[4]?.email, inviteId: failed[4]?.inviteId, property: 'jc_iq_score', value: '174' },
      retryable: false,
      attempts: 0,
      failedAt: at(4).toISOString(),
    });
    const second = await listFailures(backend.db, orgId, { limit: 2, cursor: first.nextCursor });
    expect(second.items.map((item) => item.id)).toEqual([failed[2]?.id, failed[1]?.id]);
    const third = await listFailures(backend.db, orgId, { limit: 2, cursor: second.nextCursor });
    expect(third.items.map((item) => item.id)).toEqual([failed[0]?.id]);
    expect(third.nextCursor).toBeNull();

    const all = await listFailures(backend.db, orgId);
    expect(all.items).toHaveLength(5);
    expect(all.nextCursor).toBeNull();
    await expect(listFailures(backend.db, orgId, { cursor: "1 OR 1=1" })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('retries all failed rows, or only the given ids, and puts them back in the queue', async () => {
    const orgId = uniqueOrgId();
    await seedConnection(backend.db, orgId);
    const a = await insert(backend.db, snapshotInput(orgId, { failed: { code: 'HUBSPOT_UNAVAILABLE', message: 'a' } }));
    const b = await insert(backend.db, snapshotInput(orgId, { failed: { code: 'HUBSPOT_UNAVAILABLE', message: 'b' } }));
    const c = await insert(backend.db, snapshotInput(orgId, { failed: { code: 'HUBSPOT_UNAVAILABLE', message: 'c' } }));
    const pending = await insert(backend.db, snapshotInput(orgId));

    expect(await retryFailedRows(backend.db, orgId, [a.id, pending.id, 'junk'], at(50))).toBe(1);
    expect(await getOutboxRow(backend.db, orgId, a.id)).toMatchObject({
      status: 'pending',
      attempts: 0,
      nextAttemptAt: at(50),
      lastErrorCode: null,
      lastErrorMessage: null,
    });
    expect(await retryFailedRows(backend.db, orgId, [], at(50))).toBe(0);
    expect(await retryFailedRows(backend.db, orgId, undefined, at(60))).toBe(2);
    expect(await countQueue(backend.db, orgId)).toEqual({ pending: 4, failed: 0, held: 0 });
    expect((await getOutboxRow(backend.db, orgId, b.id))?.status).toBe('pending');
    expect((await getOutboxRow(backend.db, orgId, c.id))?.nextAttemptAt).toEqual(at(60));
  });
});

describeEachBackend('outbox: upsertSnapshots (a page at a time)', (backend) => {
  it('applies the same rules as one-at-a-time enqueues, in a page with new, better, worse and repeated candidates', async () => {
    const orgId = uniqueOrgId();
    await seedConnection(backend.db, orgId);
    const existing = await insert(backend.db, snapshotInput(orgId, { email: 'old@x.io', inviteId: 'inv_old', snapshot: 'partial', inviteUpdatedAt: at(10) }));
    await insert(backend.db, snapshotInput(orgId, { email: 'done@x.io', inviteId: 'inv_done', snapshot: 'completed', inviteUpdatedAt: at(10) }));
    const result = await upsertSnapshots(
      backend.db,
      [
        snapshotInput(orgId, { email: 'New@X.io ', inviteId: 'inv_new' }),
        snapshotInput(orgId, { email: 'old@x.io', inviteId: 'inv_old', snapshot: 'completed', inviteUpdatedAt: at(5) }),
        snapshotInput(orgId, { email: 'done@x.io', inviteId: 'inv_done', snapshot: 'partial', inviteUpdatedAt: at(20) }),
        snapshotInput(orgId, { email: 'new@x.io', inviteId: 'inv_new', snapshot: 'completed', inviteUpdatedAt: at(30) }),
      ],
      at(40),
      { priority: 1 },
    );
    expect(result).toEqual({ inserted: 1, replaced: 2, carried: 0, ignored: 1 });
    expect(await getOutboxRowByEmail(backend.db, orgId, 'old@x.io')).toMatchObject({ id: existing.id, snapshot: 'completed', version: 2, status: 'pending', priority: 0 });
    expect(await getOutboxRowByEmail(backend.db, orgId, 'done@x.io')).toMatchObject({ snapshot: 'completed', version: 1 });
    expect(await getOutboxRowByEmail(backend.db, orgId, 'new@x.io')).toMatchObject({ inviteId: 'inv_new', snapshot: 'completed', inviteUpdatedAt: at(30), priority: 1 });
  });

  it('stores what one-at-a-time enqueues store: payloads with quotes, backslashes and non-ASCII text, carried tests, invite times', async () => {
    // Awkward text for the page's JSON parameter (the rows travel as one jsonb_to_recordset array).
    const awkward = 'a "quoted" \\ back\\slash, {braces} [brackets] \n newline \t tab, ünïcödé ✓ 😀, NULL, \'single\'';
    const test = (slug: string, at: string, score: number) => ({ slug, status: 'completed', completedAt: at, result: { score, label: awkward } });
    const payload = (inviteId: string, email: string, at: string, tests: unknown[]) => ({ id: inviteId, email, status: 'completed', note: awkward, nested: { list: [1, 2.5, null, true, awkward] }, updatedAt: at, tests });
    const earlier = (email: string) => snapshotInput('', { email, inviteId: 'inv_a', inviteUpdatedAt: at(10), payload: payload('inv_a', email, at(10).toISOString(), [test('disc', at(10).toISOString(), 72)]) });
    const page = (orgId: string) => [
      // A new candidate, an existing one whose newer invite replaces the row (carrying disc), and one whose older invite is carried.
      { ...snapshotInput(orgId, { email: 'new@x.io', inviteId: 'inv_n', inviteUpdatedAt: new Date('2026-01-01T00:00:00.123Z') }), payload: payload('inv_n', 'new@x.io', '2026-01-01T00:00:00.123Z', [test('iq', '2026-01-01T00:00:00.123Z', 118)]) },
      { ...snapshotInput(orgId, { email: 'replaced@x.io', inviteId: 'inv_b', inviteUpdatedAt: at(20) }), payload: payload('inv_b', 'replaced@x.io', at(20).toISOString(), [test('iq', at(20).toISOString(), 101)]) },
      { ...snapshotInput(orgId, { email: 'carried@x.io', inviteId: 'inv_c', inviteUpdatedAt: at(5) }), payload: payload('inv_c', 'carried@x.io', at(5).toISOString(), [test('big-five', at(5).toISOString(), 61)]) },
    ];
    const rowsOf = async (orgId: string) =>
      Promise.all(['new@x.io', 'replaced@x.io', 'carried@x.io'].map(async (email) => {
        const row = (await getOutboxRowByEmail(backend.db, orgId, email))!;
        return { email, inviteId: row.inviteId, snapshot: row.snapshot, inviteUpdatedAt: row.inviteUpdatedAt, payload: row.payload, carried: row.carried, status: row.status, version: row.version, priority: row.priority };
      }));

    const [pageOrg, singleOrg] = [uniqueOrgId(), uniqueOrgId()];
    for (const orgId of [pageOrg, singleOrg]) {
      await seedConnection(backend.db, orgId);
      for (const email of ['replaced@x.io', 'carried@x.io']) await insert(backend.db, { ...earlier(email), orgId });
    }
    expect(await upsertSnapshots(backend.db, page(pageOrg), at(40), { priority: 1 })).toEqual({ inserted: 1, replaced: 1, carried: 1, ignored: 0 });
    for (const input of page(singleOrg)) await upsertSnapshot(backend.db, input, at(40), 'latest-per-test', 1);

    const stored = await rowsOf(pageOrg);
    expect(stored).toEqual(await rowsOf(singleOrg));
    expect(stored[0]!.payload).toEqual(page(pageOrg)[0]!.payload);
    expect(stored[0]!.inviteUpdatedAt).toEqual(new Date('2026-01-01T00:00:00.123Z'));
    expect(stored[1]).toMatchObject({ inviteId: 'inv_b', payload: page(pageOrg)[1]!.payload, carried: [expect.objectContaining({ slug: 'disc', inviteId: 'inv_a', result: expect.objectContaining({ label: awkward }) })] });
    expect(stored[2]).toMatchObject({ inviteId: 'inv_a', payload: earlier('carried@x.io').payload, carried: [expect.objectContaining({ slug: 'big-five', inviteId: 'inv_c' })] });
  });

  it('claims live rows before backfilled ones', async () => {
    const orgId = uniqueOrgId();
    await seedConnection(backend.db, orgId);
    await upsertSnapshots(backend.db, [snapshotInput(orgId, { email: 'b1@x.io' }), snapshotInput(orgId, { email: 'b2@x.io' })], at(0), { priority: 1 });
    const live = await insert(backend.db, snapshotInput(orgId, { email: 'live@x.io' }), at(5));
    const [first] = await claim(backend.db, orgId, 'w1', at(10), 1);
    expect(first?.id).toBe(live.id);
  });
});
