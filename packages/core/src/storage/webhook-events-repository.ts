import { execute, type Db } from './sql.js';

const TABLE = 'hubspot_webhook_events';

export interface WebhookEventRecord {
  /** A stable key for the delivery (e.g. `${portalId}:${eventId}`); HubSpot retries resend it. */
  eventKey: string;
  portalId: number;
  subscriptionType: string;
  now: Date;
}

/**
 * The dedupe key of an event. HubSpot does not promise unique `eventId`s (hubspot-api.md §7), so
 * the key also holds the portal, the subscription type and when it happened; a redelivery repeats all four.
 */
export function webhookEventKey(event: { portalId: number; subscriptionType: string; eventId: number | string; occurredAt: number }): string {
  return `${event.portalId}:${event.subscriptionType}:${event.eventId}:${event.occurredAt}`;
}

/** Records the event; true the first time its key is seen, false for a redelivery. */
export async function recordWebhookEvent(db: Db, event: WebhookEventRecord): Promise<boolean> {
  const inserted = await execute(
    db,
    `INSERT INTO ${TABLE} (event_key, portal_id, subscription_type, received_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (event_key) DO NOTHING`,
    [event.eventKey, event.portalId, event.subscriptionType, event.now],
  );
  return inserted > 0;
}

/** Retention: forgets events received before `before` (HubSpot stops retrying after a few days). */
export async function pruneWebhookEvents(db: Db, before: Date): Promise<number> {
  return execute(db, `DELETE FROM ${TABLE} WHERE received_at < ?`, [before]);
}
