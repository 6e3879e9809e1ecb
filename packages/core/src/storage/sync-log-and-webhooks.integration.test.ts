import { expect, it } from 'vitest';
import { at, insertSnapshot, seedConnection, snapshotInput, T0, uniqueOrgId } from '../test-support/storage-fixtures.js';
import { describeEachBackend } from '../test-support/test-databases.js';
import {
  claimDueRows,
  deleteOutboxRowsByContact,
  deleteOutboxRowsByEmail,
  getOutboxRowByEmail,
  markFailed,
  markPushed,
  purgeContactData,
  upsertSnapshot,
} from './outbox-repository.js';
import type { NewSyncLogEntry } from './rows.js';
import {
  appendSyncLog,
  deleteSyncLogByContact,
  deleteSyncLogByEmail,
  listSyncLog,
  pruneSyncLog,
} from './sync-log-repository.js';
import { pruneWebhookEvents, recordWebhookEvent } from './webhook-events-repository.js';

function entry(orgId: string, overrides: Partial<NewSyncLogEntry> = {}): NewSyncLogEntry {
  return { orgId, inviteId: 'inv_1', email: 'ada@x.io', outcome: 'created', attempt: 1, createdAt: T0, ...overrides };
}

describeEachBackend('sync log, webhook events and GDPR purge', (backend) => {
  it('appends entries in one statement and lists them newest first, per org and per invite', async () => {
    const orgId = uniqueOrgId();
    await appendSyncLog(backend.db, [
      entry(orgId, { inviteId: 'inv_1', outcome: 'retry', errorCode: 'HUBSPOT_RATE_LIMITED', errorMessage: '429', attempt: 1 }),
      entry(orgId, { inviteId: 'inv_1', outcome: 'updated', hubspotContactId: '101', correlationId: 'corr-1', attempt: 2, createdAt: at(5) }),
      entry(orgId, { inviteId: 'inv_2', email: ' Bob@X.io ', outcome: 'failed', errorCode: 'HUBSPOT_INVALID_EMAIL', errorMessage: 'Bearer secret-token rejected' }),
    ]);
    await appendSyncLog(backend.db, []);
    const all = await listSyncLog(backend.db, orgId);
    expect(all.map((item) => [item.inviteId, item.outcome])).toEqual([
      ['inv_2', 'failed'],
      ['inv_1', 'updated'],
      ['inv_1', 'retry'],
    ]);
    expect(all[0]).toMatchObject({ email: 'bob@x.io', errorCode: 'HUBSPOT_INVALID_EMAIL', errorMessage: 'Bearer [redacted] rejected', hubspotContactId: null });
    expect(all[1]).toMatchObject({ hubspotContactId: '101', correlationId: 'corr-1', attempt: 2, createdAt: at(5) });
    expect(all[0]?.id).toMatch(/^\d+$/);
    expect((await listSyncLog(backend.db, orgId, { inviteId: 'inv_1' })).map((item) => item.outcome)).toEqual(['updated', 'retry']);
    expect(await listSyncLog(backend.db, orgId, { limit: 1 })).toHaveLength(1);
    expect(await listSyncLog(backend.db, uniqueOrgId('empty'))).toEqual([]);
  });

  it('prunes entries older than the cutoff', async () => {
    const orgId = uniqueOrgId();
    const old = at(-40 * 86_400);
    await appendSyncLog(backend.db, [entry(orgId, { createdAt: old }), entry(orgId, { createdAt: at(-10) }), entry(orgId, { createdAt: T0 })]);
    expect(await pruneSyncLog(backend.db, at(-30 * 86_400))).toBeGreaterThanOrEqual(1);
    expect((await listSyncLog(backend.db, orgId)).map((item) => item.createdAt)).toEqual([T0, at(-10)]);
  });

  it('records a webhook event once; redeliveries are reported as duplicates; old events are pruned', async () => {
    const eventKey = `4242:${uniqueOrgId('evt')}`;
    const event = { eventKey, portalId: 4242, subscriptionType: 'contact.deletion', now: T0 };
    expect(await recordWebhookEvent(backend.db, event)).toBe(true);
    expect(await recordWebhookEvent(backend.db, { ...event, now: at(30) })).toBe(false);
    expect(await Promise.all([1, 2, 3].map((i) => recordWebhookEvent(backend.db, { ...event, eventKey: `${eventKey}:${i % 2}` })))).toEqual([
      true,
      true,
      false,
    ]);
    expect(await pruneWebhookEvents(backend.db, at(1))).toBeGreaterThanOrEqual(3);
    expect(await recordWebhookEvent(backend.db, event)).toBe(true);
  });

  it('GDPR: purges a contact by HubSpot id, with its sync log (including entries that only carry the email)', async () => {
    const orgId = uniqueOrgId();
    await seedConnection(backend.db, orgId);
    const email = 'forget.me@x.io';
    const keep = 'keep.me@x.io';
    await upsertSnapshot(backend.db, snapshotInput(orgId, { email }), T0);
    await upsertSnapshot(backend.db, snapshotInput(orgId, { email: keep }), T0);
    const claimed = await claimDueRows(backend.db, { workerId: 'w', now: at(1), leaseMs: 60_000, limit: 10, orgId });
    for (const row of claimed) {
      await markPushed(backend.db, { id: row.id, version: row.version, workerId: 'w', contactId: row.email === email ? '901' : '902', now: at(2) });
    }
    await appendSyncLog(backend.db, [
      entry(orgId, { email, outcome: 'failed', errorCode: 'HUBSPOT_REJECTED' }),
      entry(orgId, { email, outcome: 'created', hubspotContactId: '901' }),
      entry(orgId, { email: keep, outcome: 'created', hubspotContactId: '902' }),
    ]);

    expect(await purgeContactData(backend.db, orgId, { contactId: '901' })).toEqual({ outboxRows: 1, syncLogRows: 2 });
    expect(await getOutboxRowByEmail(backend.db, orgId, email)).toBeNull();
    expect((await listSyncLog(backend.db, orgId)).map((item) => item.email)).toEqual([keep]);
    expect(await getOutboxRowByEmail(backend.db, orgId, keep)).not.toBeNull();
    expect(await purgeContactData(backend.db, orgId, { contactId: '901' })).toEqual({ outboxRows: 0, syncLogRows: 0 });
    expect(await purgeContactData(backend.db, orgId, {})).toEqual({ outboxRows: 0, syncLogRows: 0 });
  });

  it('GDPR: purges by email (normalized), and the single-table deletes work alone too', async () => {
    const orgId = uniqueOrgId();
    await insertSnapshot(backend.db, snapshotInput(orgId, { email: 'x@x.io', failed: { code: 'HUBSPOT_REJECTED', message: 'e' } }), T0);
    await appendSyncLog(backend.db, [entry(orgId, { email: 'x@x.io', outcome: 'failed' })]);
    expect(await purgeContactData(backend.db, orgId, { email: ' X@X.IO' })).toEqual({ outboxRows: 1, syncLogRows: 1 });

    await upsertSnapshot(backend.db, snapshotInput(orgId, { email: 'y@x.io' }), T0);
    await appendSyncLog(backend.db, [entry(orgId, { email: 'y@x.io', hubspotContactId: '55' })]);
    expect(await deleteOutboxRowsByEmail(backend.db, orgId, 'Y@x.io')).toBe(1);
    expect(await deleteSyncLogByContact(backend.db, orgId, '55')).toBe(1);

    await seedConnection(backend.db, orgId);
    await upsertSnapshot(backend.db, snapshotInput(orgId, { email: 'z@x.io' }), T0);
    const [row] = await claimDueRows(backend.db, { workerId: 'w', now: at(1), leaseMs: 60_000, limit: 1, orgId });
    if (row === undefined) throw new Error('nothing claimed');
    await markFailed(backend.db, { id: row.id, version: row.version, workerId: 'w', attempts: 1, error: { code: 'HUBSPOT_REJECTED', message: 'e' }, now: at(1) });
    await appendSyncLog(backend.db, [entry(orgId, { email: 'z@x.io' })]);
    expect(await deleteOutboxRowsByContact(backend.db, orgId, '404')).toBe(0);
    expect(await deleteSyncLogByEmail(backend.db, orgId, 'Z@X.io')).toBe(1);
  });

  it('GDPR purge joins the caller transaction', async () => {
    const orgId = uniqueOrgId();
    await upsertSnapshot(backend.db, snapshotInput(orgId, { email: 'tx@x.io' }), T0);
    await expect(
      backend.db.transaction(async (trx) => {
        expect(await purgeContactData(trx, orgId, { email: 'tx@x.io' })).toEqual({ outboxRows: 1, syncLogRows: 0 });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await getOutboxRowByEmail(backend.db, orgId, 'tx@x.io')).not.toBeNull();
  });
});
