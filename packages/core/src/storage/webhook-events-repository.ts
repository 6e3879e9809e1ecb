import { execute, type Db } from './sql.js';

const TABLE = 'hubspot_webhook_events';

export interface WebhookEventRecord {
  /** A stable key for the delivery (e.g. `${portalId}:${eventId}`); HubSpot retries resend it. */
  eventKey: string;
  portalId: number;
  subscriptionType: string;
  now: Date;
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
