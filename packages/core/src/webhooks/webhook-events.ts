import { z } from 'zod';
import { HubSpotKitError } from '../errors.js';
import type { WebhookEvent } from '../integration/types.js';

/** HubSpot sends at most 100 events per POST (hubspot-api.md §7); this only stops abuse. */
export const DEFAULT_MAX_EVENTS_PER_DELIVERY = 1000;

const id = z.union([z.number().finite(), z.string().min(1)]);

/**
 * The fields the dedupe and the privacy purge read, checked; anything else HubSpot adds
 * (`changeSource`, `propertyName`, `isSensitive`, …) passes through untouched.
 */
const webhookEventSchema = z.looseObject({
  eventId: id,
  portalId: z.number().int().positive(),
  occurredAt: z.number().finite(),
  subscriptionType: z.string().min(1),
  objectId: id,
  objectTypeId: z.string().optional(),
  subscriptionId: z.number().optional(),
  appId: z.number().optional(),
  attemptNumber: z.number().optional(),
  changeSource: z.string().optional(),
});

/**
 * A delivery body as events: a JSON array of at most `maxEvents` events. Anything else is a
 * 400 (or 413 for too many) with the first reason found, so a host reading its logs can tell a
 * proxy that rewrote the body from a bug of ours; HubSpot retries 4xx answers like any failure.
 */
export function parseWebhookEvents(rawBody: string, maxEvents = DEFAULT_MAX_EVENTS_PER_DELIVERY): WebhookEvent[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody) as unknown;
  } catch {
    throw new HubSpotKitError('BAD_REQUEST', 'The webhook body is not valid JSON.', { details: { reason: 'invalid_json' } });
  }
  if (!Array.isArray(parsed)) {
    throw new HubSpotKitError('BAD_REQUEST', 'A HubSpot webhook body must be a JSON array of events.', { details: { reason: 'not_an_array' } });
  }
  if (parsed.length > maxEvents) {
    throw new HubSpotKitError('PAYLOAD_TOO_LARGE', `A webhook delivery may hold at most ${maxEvents} events; this one holds ${parsed.length}.`, {
      details: { reason: 'too_many_events', limit: maxEvents, received: parsed.length },
    });
  }
  const result = z.array(webhookEventSchema).safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const [index, ...path] = issue?.path ?? [];
    const field = path.map(String).join('.') || '(the event itself)';
    throw new HubSpotKitError('BAD_REQUEST', `Webhook event ${String(index)}: ${field}: ${issue?.message ?? 'invalid'}.`, {
      details: { reason: 'invalid_event', index: typeof index === 'number' ? index : null, field },
    });
  }
  return result.data as WebhookEvent[];
}

/**
 * Whether an event asks us to forget a contact. `contact.privacyDeletion` does; the generic
 * `object.privacyDeletion` does only for contacts (`objectTypeId` 0-1): another object's id is
 * not a contact id, and purging by it would delete an unrelated person's rows.
 */
export function isContactPrivacyDeletion(event: WebhookEvent): boolean {
  if (event.subscriptionType === 'contact.privacyDeletion') return true;
  return event.subscriptionType === 'object.privacyDeletion' && event.objectTypeId === '0-1';
}
