import { expect, it } from 'vitest';
import { at, insertSnapshot, seedConnection, snapshotInput, T0, uniqueOrgId } from '../test-support/storage-fixtures.js';
import { describeEachBackend } from '../test-support/test-databases.js';
import { getConnection, updateConnection } from './connections-repository.js';
import {
  claimDueRows,
  countQueue,
  deleteOutboxRowsByContact,
  deleteOutboxRowsByEmail,
  getOutboxRow,
  getOutboxRowByEmail,
  hasDueRows,
  markPushed,
  nextDueAt,
  oldestPendingAge,
  purgeContactData,
  upsertSnapshot,
} from './outbox-repository.js';
import { listFailures, retryFailedRows } from './failures-repository.js';
import { appendSyncLog, deleteSyncLogByContact, deleteSyncLogByEmail, listSyncLog } from './sync-log-repository.js';

describeEachBackend('tenant isolation', (backend) => {
  it("no org-scoped function reads or changes another org's rows, even given their ids", async () => {
    const orgA = uniqueOrgId('a');
    const orgB = uniqueOrgId('b');
    const email = 'shared.person@x.io';
    await seedConnection(backend.db, orgA);
    await seedConnection(backend.db, orgB);

    // Org A: one pushed row (contact 700), one failed row, sync log entries.
    await upsertSnapshot(backend.db, snapshotInput(orgA, { email }), T0);
    const [pushed] = await claimDueRows(backend.db, { workerId: 'w', now: at(1), leaseMs: 60_000, limit: 1, orgId: orgA });
    if (pushed === undefined) throw new Error('nothing claimed');
    await markPushed(backend.db, { id: pushed.id, version: pushed.version, workerId: 'w', contactId: '700', now: at(2) });
    const failed = await insertSnapshot(backend.db, snapshotInput(orgA, { failed: { code: 'HUBSPOT_UNAVAILABLE', message: 'e' } }), T0);
    const pending = await upsertSnapshot(backend.db, snapshotInput(orgA), at(3));
    if (pending.outcome === 'ignored') throw new Error('expected a write');
    await appendSyncLog(backend.db, [
      { orgId: orgA, inviteId: pushed.inviteId, email, outcome: 'created', hubspotContactId: '700', attempt: 1, createdAt: at(2) },
    ]);
    const before = await countQueue(backend.db, orgA);

    // Org B uses A's ids, email and contact id everywhere it can.
    expect(await getOutboxRow(backend.db, orgB, failed.id)).toBeNull();
    expect(await getOutboxRowByEmail(backend.db, orgB, email)).toBeNull();
    expect(await retryFailedRows(backend.db, orgB, [failed.id], at(4))).toBe(0);
    expect(await retryFailedRows(backend.db, orgB, undefined, at(4))).toBe(0);
    expect(await listFailures(backend.db, orgB)).toEqual({ items: [], total: 0, nextCursor: null });
    expect(await countQueue(backend.db, orgB)).toEqual({ pending: 0, failed: 0, held: 0 });
    expect(await claimDueRows(backend.db, { workerId: 'w', now: at(10), leaseMs: 60_000, limit: 10, orgId: orgB })).toEqual([]);
    expect(await hasDueRows(backend.db, at(10), orgB)).toBe(false);
    expect(await nextDueAt(backend.db, orgB)).toBeNull();
    expect(await oldestPendingAge(backend.db, at(10), orgB)).toBeNull();
    expect(await listSyncLog(backend.db, orgB)).toEqual([]);
    expect(await deleteOutboxRowsByEmail(backend.db, orgB, email)).toBe(0);
    expect(await deleteOutboxRowsByContact(backend.db, orgB, '700')).toBe(0);
    expect(await deleteSyncLogByEmail(backend.db, orgB, email)).toBe(0);
    expect(await deleteSyncLogByContact(backend.db, orgB, '700')).toBe(0);
    expect(await purgeContactData(backend.db, orgB, { contactId: '700', email })).toEqual({ outboxRows: 0, syncLogRows: 0 });
    await updateConnection(backend.db, orgB, { status: 'disconnected' }, at(5));

    // Org A is untouched.
    expect(await countQueue(backend.db, orgA)).toEqual(before);
    expect(await getOutboxRow(backend.db, orgA, failed.id)).toMatchObject({ status: 'failed' });
    expect(await getOutboxRowByEmail(backend.db, orgA, email)).toMatchObject({ status: 'done', hubspotContactId: '700' });
    expect(await listSyncLog(backend.db, orgA)).toHaveLength(1);
    expect((await getConnection(backend.db, orgA))?.status).toBe('connected');
    expect((await listFailures(backend.db, orgA)).total).toBe(1);
  });
});
