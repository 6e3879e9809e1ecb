import { expect, it } from 'vitest';
import { at, insertSnapshot, seedConnection, snapshotInput, uniqueOrgId } from '../test-support/storage-fixtures.js';
import { describeEachBackend } from '../test-support/test-databases.js';
import { dismissFailures, listFailures, MAX_FAILURE_IDS_PER_CALL, recordInvalidSnapshot, retryFailedRows, supersedeInvalidSnapshots, supersedeInvalidSnapshotsMany } from './failures-repository.js';
import { countQueue, getOutboxRowByEmail } from './outbox-repository.js';

const invalid = (orgId: string, email: string, inviteId: string, seconds: number) => ({
  orgId,
  email,
  inviteId,
  inviteUpdatedAt: at(seconds),
  payload: { id: inviteId, email },
  error: { code: 'INVALID_INVITE' as const, message: `Invite ${inviteId}: jc_iq_score is out of range`, details: { field: 'jc_iq_score', value: 170 } },
});

describeEachBackend('failures: invalid snapshots kept apart', (backend) => {
  it('keeps an invalid snapshot beside the candidate’s valid row without touching it', async () => {
    const orgId = uniqueOrgId();
    await seedConnection(backend.db, orgId);
    const valid = await insertSnapshot(backend.db, snapshotInput(orgId, { email: 'ada@example.com', inviteId: 'inv_1', inviteUpdatedAt: at(1) }));
    const id = await recordInvalidSnapshot(backend.db, invalid(orgId, 'Ada@Example.com', 'inv_2', 5), at(5));
    expect(id).toMatch(/^invalid-\d+$/);
    expect(await getOutboxRowByEmail(backend.db, orgId, 'ada@example.com')).toMatchObject({ id: valid.id, status: 'pending', inviteId: 'inv_1', version: 1 });
    expect(await countQueue(backend.db, orgId)).toEqual({ pending: 1, failed: 1, held: 0 });
    const page = await listFailures(backend.db, orgId);
    expect(page.items).toEqual([
      expect.objectContaining({ id, inviteId: 'inv_2', email: 'ada@example.com', code: 'INVALID_INVITE', retryable: false, details: expect.objectContaining({ field: 'jc_iq_score', value: 170 }) }),
    ]);
  });

  it('keeps one record per invite (its latest version), drops a version older than a queued valid one, and a correction supersedes it', async () => {
    const orgId = uniqueOrgId();
    await seedConnection(backend.db, orgId);
    const first = await recordInvalidSnapshot(backend.db, invalid(orgId, 'bo@example.com', 'inv_9', 10), at(10));
    expect(await recordInvalidSnapshot(backend.db, invalid(orgId, 'bo@example.com', 'inv_9', 20), at(20))).toBe(first);
    expect((await listFailures(backend.db, orgId)).total).toBe(1);
    // The host corrected the invite at 30 s: the valid snapshot supersedes every older invalid version.
    await insertSnapshot(backend.db, snapshotInput(orgId, { email: 'bo@example.com', inviteId: 'inv_9', inviteUpdatedAt: at(30) }));
    expect(await supersedeInvalidSnapshots(backend.db, { orgId, email: 'bo@example.com', inviteId: 'inv_9', upTo: at(30) })).toBe(1);
    // A late, older invalid version of the same invite is stale now.
    expect(await recordInvalidSnapshot(backend.db, invalid(orgId, 'bo@example.com', 'inv_9', 25), at(31))).toBeNull();
    expect((await listFailures(backend.db, orgId)).total).toBe(0);
  });

  it('a correction under another email (the host fixed the address) takes the refused result off the list', async () => {
    const orgId = uniqueOrgId();
    await seedConnection(backend.db, orgId);
    await insertSnapshot(backend.db, snapshotInput(orgId, { email: 'ann@example.con', inviteId: 'inv_ann', inviteUpdatedAt: at(1), failed: { code: 'HUBSPOT_INVALID_EMAIL', message: 'Email address ann@example.con is invalid' } }), at(2));
    await recordInvalidSnapshot(backend.db, invalid(orgId, 'ann@example.con', 'inv_ann', 3), at(3));
    expect((await listFailures(backend.db, orgId)).total).toBe(2);
    expect(await supersedeInvalidSnapshots(backend.db, { orgId, email: 'ann@example.com', inviteId: 'inv_ann', upTo: at(10) })).toBe(2);
    expect((await listFailures(backend.db, orgId)).total).toBe(0);
    expect((await getOutboxRowByEmail(backend.db, orgId, 'ann@example.con'))?.status).toBe('dismissed');
  });

  it('a page of valid snapshots supersedes what each one corrects, and only up to its own time', async () => {
    const orgId = uniqueOrgId();
    await seedConnection(backend.db, orgId);
    await insertSnapshot(backend.db, snapshotInput(orgId, { email: 'ann@example.con', inviteId: 'inv_ann', inviteUpdatedAt: at(1), failed: { code: 'HUBSPOT_INVALID_EMAIL', message: 'Email address ann@example.con is invalid' } }), at(2));
    await recordInvalidSnapshot(backend.db, invalid(orgId, 'ann@example.con', 'inv_ann', 3), at(3));
    await recordInvalidSnapshot(backend.db, invalid(orgId, 'bo@example.com', 'inv_bo', 20), at(20));
    await recordInvalidSnapshot(backend.db, invalid(uniqueOrgId(), 'ann@example.con', 'inv_ann', 3), at(3));
    const superseded = await supersedeInvalidSnapshotsMany(backend.db, [
      { orgId, email: ' Ann@Example.com ', inviteId: 'inv_ann', upTo: at(10) },
      // Older than bo's invalid version: that one stays a failure.
      { orgId, email: 'bo@example.com', inviteId: 'inv_bo', upTo: at(15) },
      { orgId, email: 'cy@example.com', inviteId: 'inv_cy', upTo: at(15) },
    ]);
    expect(superseded).toBe(2);
    expect((await listFailures(backend.db, orgId)).items).toEqual([expect.objectContaining({ inviteId: 'inv_bo' })]);
    expect((await getOutboxRowByEmail(backend.db, orgId, 'ann@example.con'))?.status).toBe('dismissed');
  });

  it('lists both kinds newest first with a cursor that pages across them, and refuses a forged cursor', async () => {
    const orgId = uniqueOrgId();
    await seedConnection(backend.db, orgId);
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      ids.push((await insertSnapshot(backend.db, snapshotInput(orgId, { failed: { code: 'HUBSPOT_INVALID_EMAIL', message: 'refused', details: { property: 'email' } } }), at(i * 2))).id);
      ids.push((await recordInvalidSnapshot(backend.db, invalid(orgId, `c${i}@example.com`, `inv_c${i}`, i * 2 + 1), at(i * 2 + 1)))!);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await listFailures(backend.db, orgId, { limit: 4, cursor });
      expect(page.total).toBe(6);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual([...ids].reverse());
    await expect(listFailures(backend.db, orgId, { cursor: '1 OR 1=1' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('retries only failures a retry can help, and dismisses any', async () => {
    const orgId = uniqueOrgId();
    await seedConnection(backend.db, orgId);
    const transient = await insertSnapshot(backend.db, snapshotInput(orgId, { failed: { code: 'RETRIES_EXHAUSTED', message: '72 h of 503s', details: { lastCode: 'HUBSPOT_UNAVAILABLE' } } }), at(1));
    const refused = await insertSnapshot(backend.db, snapshotInput(orgId, { failed: { code: 'HUBSPOT_INVALID_EMAIL', message: 'Email address a@b.con is invalid' } }), at(2));
    const invalidId = (await recordInvalidSnapshot(backend.db, invalid(orgId, 'z@example.com', 'inv_z', 3), at(3)))!;

    expect(await retryFailedRows(backend.db, orgId, [refused.id, invalidId], at(4))).toBe(0);
    expect(await retryFailedRows(backend.db, orgId, undefined, at(4))).toBe(1);
    expect(await countQueue(backend.db, orgId)).toEqual({ pending: 1, failed: 2, held: 0 });
    expect((await getOutboxRowByEmail(backend.db, orgId, transient.email))?.status).toBe('pending');

    expect(await dismissFailures(backend.db, orgId, [refused.id, invalidId, 'junk'], at(5))).toBe(2);
    expect(await countQueue(backend.db, orgId)).toEqual({ pending: 1, failed: 0, held: 0 });
    expect((await getOutboxRowByEmail(backend.db, orgId, refused.email))?.status).toBe('dismissed');
  });

  it('refuses more than the cap of ids in one call', async () => {
    const orgId = uniqueOrgId();
    const ids = Array.from({ length: MAX_FAILURE_IDS_PER_CALL + 1 }, (_, index) => String(index + 1));
    await expect(retryFailedRows(backend.db, orgId, ids, at(1))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: MAX_FAILURE_IDS_PER_CALL } });
    await expect(dismissFailures(backend.db, orgId, ids, at(1))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });
});
