import type { Knex } from 'knex';
import { HubSpotKitError, httpStatusForErrorCode, isHubSpotKitError } from '../errors.js';
import type { WebhookEvent, WebhookHandlingResult, WebhookRequest, WebhookResponse } from '../integration/types.js';
import type { Clock, Logger } from '../ports/ports.js';
import { findConnectionsByPortal } from '../storage/connections-repository.js';
import { purgeContactData } from '../storage/outbox-repository.js';
import { recordWebhookEvent, webhookEventKey } from '../storage/webhook-events-repository.js';
import { DEFAULT_MAX_EVENTS_PER_DELIVERY, isContactPrivacyDeletion, parseWebhookEvents } from './webhook-events.js';
import { verifyWebhookV3, WEBHOOK_MAX_AGE_MS } from './webhook-signature.js';

export interface WebhookHandlerDeps {
  db: Knex;
  /** The app's client secret: the v3 HMAC key. Kept in this closure, never on a returned object. */
  clientSecret: string;
  clock: Clock;
  logger: Logger;
  /** Events one delivery may hold (HubSpot sends at most 100). Default 1000; more answers 413. */
  maxEventsPerDelivery?: number;
  /** The signature's timestamp window, both directions. Default 5 minutes. */
  maxAgeMs?: number;
}

export interface WebhookHandler {
  handle(request: WebhookRequest): Promise<WebhookResponse>;
}

const GENERIC_MESSAGE = 'Something went wrong on our side; HubSpot will retry this delivery.';

/** A header by name in any casing (Node lowercases, a Web Headers copy or a test may not); the first of repeats. */
function header(headers: WebhookRequest['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function refusal(error: HubSpotKitError, headers?: Record<string, string>): WebhookResponse {
  return { status: httpStatusForErrorCode(error.code), ...(headers ? { headers } : {}), body: { error: { code: error.code, message: error.message } } };
}

/**
 * HubSpot webhooks, all in one place: method check, v3 signature over the raw bytes, zod parsing,
 * a cap on events per delivery, dedupe and the privacy purge. Adapters pass the request through
 * and send back what `handle` returns; it never throws (an unexpected failure answers 500, which
 * HubSpot retries).
 */
export function createWebhookHandler(deps: WebhookHandlerDeps): WebhookHandler {
  const { db, clientSecret, clock, logger } = deps;
  const maxEvents = deps.maxEventsPerDelivery ?? DEFAULT_MAX_EVENTS_PER_DELIVERY;
  const maxAgeMs = deps.maxAgeMs ?? WEBHOOK_MAX_AGE_MS;

  function verify(request: WebhookRequest, rawBody: Uint8Array | string): void {
    const verdict = verifyWebhookV3({
      clientSecret,
      method: request.method,
      url: request.url,
      rawBody,
      signature: header(request.headers, 'x-hubspot-signature-v3'),
      timestamp: header(request.headers, 'x-hubspot-request-timestamp'),
      now: clock.now(),
      maxAgeMs,
    });
    if (!verdict.valid) {
      throw new HubSpotKitError('WEBHOOK_SIGNATURE_INVALID', `The HubSpot webhook signature was refused (${verdict.reason}).`, { details: { reason: verdict.reason } });
    }
  }

  /** One event: its key is recorded in the same transaction as its effect, so a purge that fails is redelivered, not dropped. */
  async function act(event: WebhookEvent, result: WebhookHandlingResult): Promise<void> {
    await db.transaction(async (trx) => {
      const first = await recordWebhookEvent(trx, { eventKey: webhookEventKey(event), portalId: event.portalId, subscriptionType: event.subscriptionType, now: new Date(clock.now()) });
      if (!first) {
        result.duplicates += 1;
        return;
      }
      result.processed += 1;
      if (!isContactPrivacyDeletion(event)) return;
      for (const connection of await findConnectionsByPortal(trx, event.portalId)) {
        const purged = await purgeContactData(trx, connection.orgId, { contactId: String(event.objectId) });
        const rows = purged.outboxRows + purged.syncLogRows;
        result.purgedRows += rows;
        logger.info('privacy deletion purged local data', { orgId: connection.orgId, portalId: event.portalId, rows });
      }
    });
  }

  async function handle(request: WebhookRequest): Promise<WebhookResponse> {
    if (request.method.toUpperCase() !== 'POST') {
      return refusal(new HubSpotKitError('METHOD_NOT_ALLOWED', `${request.method} is not supported here; HubSpot posts webhooks.`), { Allow: 'POST' });
    }
    const rawBody = request.rawBody;
    verify(request, rawBody);
    const text = typeof rawBody === 'string' ? rawBody : new TextDecoder('utf-8').decode(rawBody);
    const events = parseWebhookEvents(text, maxEvents);
    const result: WebhookHandlingResult = { received: events.length, processed: 0, duplicates: 0, purgedRows: 0 };
    // Deliveries arrive out of order; acting in the order things happened keeps effects sensible.
    for (const event of [...events].sort((a, b) => a.occurredAt - b.occurredAt)) await act(event, result);
    return { status: 200, body: result };
  }

  return {
    async handle(request) {
      try {
        return await handle(request);
      } catch (error) {
        if (isHubSpotKitError(error) && httpStatusForErrorCode(error.code) < 500) {
          // Refused signatures are worth seeing: a misconfigured webhook URL, or someone probing.
          const level = error.code === 'WEBHOOK_SIGNATURE_INVALID' ? 'warn' : 'debug';
          logger[level]('webhook delivery refused', { code: error.code, message: error.message, details: error.details });
          return refusal(error);
        }
        const failure = error instanceof Error ? error : new Error(String(error));
        logger.error('webhook delivery failed', { name: failure.name, message: failure.message, stack: failure.stack });
        return { status: 500, body: { error: { code: 'INTERNAL', message: GENERIC_MESSAGE } } };
      }
    },
  };
}
