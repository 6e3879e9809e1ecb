import { expect, it } from 'vitest';
import type { Logger } from '../ports/ports.js';
import { claimDueRows, getOutboxRowByEmail, markPushed, upsertSnapshot } from '../storage/outbox-repository.js';
import { at, seedConnection, snapshotInput, T0, uniqueOrgId } from '../test-support/storage-fixtures.js';
import { describeEachBackend } from '../test-support/test-databases.js';
import { createWebhookHandler } from './webhook-handler.js';
import { signWebhookV3 } from './webhook-signature.js';

const SECRET = 'handler-integration-secret';
const URL = 'https://host.example/api/hubspot/webhooks';
const NOW = T0.getTime();
const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function delivery(events: unknown[]) {
  const body = JSON.stringify(events);
  const timestamp = String(NOW);
  return {
    method: 'POST',
    url: URL,
    rawBody: body,
    headers: { 'x-hubspot-signature-v3': signWebhookV3({ clientSecret: SECRET, method: 'POST', url: URL, body, timestamp }), 'x-hubspot-request-timestamp': timestamp },
  };
}

describeEachBackend('webhook handler', (backend) => {
  const handler = () => createWebhookHandler({ db: backend.db, clientSecret: SECRET, clock: { now: () => NOW }, logger: silent });
  let nextEventId = 1;
  const portal = () => 6_000_000 + Math.floor(Math.random() * 1_000_000);

  /** An org connected to `portalId` with one pushed contact per id; returns the emails by contact id. */
  async function seedPushedContacts(portalId: number, contactIds: string[]): Promise<{ orgId: string; emails: Map<string, string> }> {
    const orgId = uniqueOrgId();
    await seedConnection(backend.db, orgId, 'connected', { portalId });
    const emails = new Map<string, string>();
    for (const contactId of contactIds) {
      const input = snapshotInput(orgId);
      await upsertSnapshot(backend.db, input, T0);
      const [row] = await claimDueRows(backend.db, { workerId: 'w', now: at(1), leaseMs: 60_000, limit: 1, orgId });
      if (row === undefined) throw new Error('nothing claimed');
      await markPushed(backend.db, { id: row.id, version: row.version, workerId: 'w', contactId, now: at(2) });
      emails.set(contactId, input.email);
    }
    return { orgId, emails };
  }

  it('dedupes a redelivery: processed once, then reported as duplicates', async () => {
    const portalId = portal();
    const events = [1, 2].map(() => ({ eventId: nextEventId++, portalId, occurredAt: NOW, subscriptionType: 'contact.deletion', objectId: 1 }));
    expect(await handler().handle(delivery(events))).toEqual({ status: 200, body: { received: 2, processed: 2, duplicates: 0, purgedRows: 0 } });
    expect(await handler().handle(delivery(events))).toEqual({ status: 200, body: { received: 2, processed: 0, duplicates: 2, purgedRows: 0 } });
  });

  it('purges on contact.privacyDeletion, and on object.privacyDeletion only for contacts (objectTypeId 0-1)', async () => {
    const portalId = portal();
    const { orgId, emails } = await seedPushedContacts(portalId, ['701', '702', '703']);
    const base = { portalId, occurredAt: NOW };
    const response = await handler().handle(
      delivery([
        { ...base, eventId: nextEventId++, subscriptionType: 'contact.privacyDeletion', objectId: 701 },
        // Another object type's id 702 is not contact 702: nothing of contact 702 may go.
        { ...base, eventId: nextEventId++, subscriptionType: 'object.privacyDeletion', objectTypeId: '0-2', objectId: 702 },
        { ...base, eventId: nextEventId++, subscriptionType: 'object.privacyDeletion', objectId: 702 },
        { ...base, eventId: nextEventId++, subscriptionType: 'object.privacyDeletion', objectTypeId: '0-1', objectId: '703' },
      ]),
    );
    expect(response).toEqual({ status: 200, body: { received: 4, processed: 4, duplicates: 0, purgedRows: 2 } });
    expect(await getOutboxRowByEmail(backend.db, orgId, emails.get('701') ?? '')).toBeNull();
    expect(await getOutboxRowByEmail(backend.db, orgId, emails.get('702') ?? '')).not.toBeNull();
    expect(await getOutboxRowByEmail(backend.db, orgId, emails.get('703') ?? '')).toBeNull();
  });

  it('a delivery with a refused signature records nothing', async () => {
    const portalId = portal();
    const events = [{ eventId: nextEventId++, portalId, occurredAt: NOW, subscriptionType: 'contact.deletion', objectId: 1 }];
    const forged = { ...delivery(events), headers: { ...delivery(events).headers, 'x-hubspot-signature-v3': 'x'.repeat(44) } };
    expect((await handler().handle(forged)).status).toBe(401);
    expect(await handler().handle(delivery(events))).toMatchObject({ status: 200, body: { processed: 1, duplicates: 0 } });
  });
});
