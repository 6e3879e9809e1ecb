import { HubSpotKitError, type WebhookEvent } from '@jobcannon/hubspot-core';
import { parseJson } from './request-body.js';

const isId = (value: unknown): boolean => (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value !== '');

/** The fields core's dedupe and privacy purge read; anything else HubSpot adds passes through. */
function isWebhookEvent(value: unknown): value is WebhookEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const event = value as Record<string, unknown>;
  return (
    isId(event.eventId) &&
    typeof event.portalId === 'number' &&
    Number.isFinite(event.portalId) &&
    typeof event.occurredAt === 'number' &&
    Number.isFinite(event.occurredAt) &&
    typeof event.subscriptionType === 'string' &&
    event.subscriptionType !== '' &&
    isId(event.objectId)
  );
}

/** HubSpot posts a JSON array of at most 100 events; anything else is a 400 (HubSpot would retry a 5xx). */
export function parseWebhookEvents(rawBody: string): WebhookEvent[] {
  const parsed = parseJson(rawBody);
  if (!Array.isArray(parsed)) throw new HubSpotKitError('BAD_REQUEST', 'A HubSpot webhook body must be a JSON array of events.');
  const invalid = parsed.findIndex((event) => !isWebhookEvent(event));
  if (invalid >= 0) {
    throw new HubSpotKitError('BAD_REQUEST', `Webhook event ${invalid} lacks eventId, portalId, occurredAt, subscriptionType or objectId.`);
  }
  return parsed as WebhookEvent[];
}
