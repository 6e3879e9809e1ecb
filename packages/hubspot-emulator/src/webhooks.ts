import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from './types.js';

// HubSpot webhook signatures (v1, v2, v3) and a small sender that delivers event arrays the way
// HubSpot does: ≤100 events per POST, v3 headers on every attempt (fresh timestamp each time),
// retries on non-2xx or timeout. Retry timings are compressed from hours to milliseconds.

/** HubSpot decodes only these escapes in the URL before hashing (v3). */
const DECODED_ESCAPES: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

export function normalizeSignatureUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (escape) => DECODED_ESCAPES[escape.toUpperCase()] ?? escape);
}

export interface SignV3Input {
  clientSecret: string;
  method?: string;
  /** The full URL the request is sent to: protocol, host, path and query. */
  uri: string;
  body: string;
  /** Epoch ms, the value of X-HubSpot-Request-Timestamp. */
  timestamp: number | string;
}

/** base64(HMAC-SHA256(clientSecret, method + uri + body + timestamp)). */
export function signWebhookV3(input: SignV3Input): string {
  const message = `${(input.method ?? 'POST').toUpperCase()}${normalizeSignatureUri(input.uri)}${input.body}${String(input.timestamp)}`;
  return createHmac('sha256', input.clientSecret).update(message, 'utf8').digest('base64');
}

/** hex(SHA-256(clientSecret + body)): sent with `X-HubSpot-Signature-Version: v1`. */
export function signWebhookV1(input: { clientSecret: string; body: string }): string {
  return createHash('sha256').update(input.clientSecret + input.body, 'utf8').digest('hex');
}

/** hex(SHA-256(clientSecret + method + uri + body)): workflow actions and CRM cards. */
export function signWebhookV2(input: { clientSecret: string; method?: string; uri: string; body: string }): string {
  return createHash('sha256').update(`${input.clientSecret}${(input.method ?? 'POST').toUpperCase()}${input.uri}${input.body}`, 'utf8').digest('hex');
}

export type WebhookVerdict = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'future' | 'mismatch' };

/**
 * A reference v3 verifier (constant-time). Rejects timestamps older than maxAgeMs (5 minutes, the
 * documented window) and, symmetrically, further ahead than maxFutureMs (default: maxAgeMs):
 * neither HubSpot's docs nor its clients refuse a future timestamp, so a receiver whose clock runs
 * a minute slow must not refuse every delivery (hubspot-api.md §11). Handy for hosts' receivers
 * and for checking this sender.
 */
export function verifyWebhookV3(input: SignV3Input & { signature: string | undefined; now: number; maxAgeMs?: number; maxFutureMs?: number }): WebhookVerdict {
  const timestamp = Number(input.timestamp);
  if (!input.signature || !Number.isFinite(timestamp)) return { ok: false, reason: 'missing' };
  const maxAgeMs = input.maxAgeMs ?? 300_000;
  if (input.now - timestamp > maxAgeMs) return { ok: false, reason: 'stale' };
  if (timestamp - input.now > (input.maxFutureMs ?? maxAgeMs)) return { ok: false, reason: 'future' };
  const expected = Buffer.from(signWebhookV3(input));
  const given = Buffer.from(input.signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? { ok: true } : { ok: false, reason: 'mismatch' };
}

export interface WebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber: number;
  objectId: number;
  /** Sent on CRM object events; not on `contact.privacyDeletion` (a hub event). */
  changeSource?: string;
  changeFlag?: string;
  /** Generic `object.*` events only: the object type (`0-1` = contacts). */
  objectTypeId?: string;
  sourceId?: string;
  propertyName?: string;
  propertyValue?: string;
  [extra: string]: unknown;
}

export interface ContactEventInput {
  portalId: number;
  appId: number;
  objectId: number | string;
  eventId?: number;
  subscriptionId?: number;
  occurredAt?: number;
  changeSource?: string;
}

function contactEvent(subscriptionType: string, input: ContactEventInput, extra: Partial<WebhookEvent>): WebhookEvent {
  return {
    eventId: input.eventId ?? 1,
    subscriptionId: input.subscriptionId ?? 1,
    portalId: input.portalId,
    appId: input.appId,
    occurredAt: input.occurredAt ?? Date.now(),
    subscriptionType,
    attemptNumber: 0,
    objectId: Number(input.objectId),
    ...extra,
  };
}

/** `contact.deletion`: a contact was deleted (moved to the recycle bin). */
export function buildContactDeletionEvent(input: ContactEventInput): WebhookEvent {
  return contactEvent('contact.deletion', input, { changeSource: input.changeSource ?? 'CRM', changeFlag: 'DELETED' });
}

/**
 * `contact.privacyDeletion`: a GDPR delete; personal data must be erased downstream too. A hub event:
 * the common fields and `objectId` only (no changeSource / changeFlag). HubSpot also fires a
 * `contact.deletion` for it; `sendWebhook` adds that companion, this builder makes one event.
 */
export function buildContactPrivacyDeletionEvent(input: Omit<ContactEventInput, 'changeSource'>): WebhookEvent {
  return contactEvent('contact.privacyDeletion', input, {});
}

/** True for the generic format's subscription types (`object.creation`, `object.deletion`, …). */
export const isGenericObjectEvent = (subscriptionType: string): boolean => subscriptionType.startsWith('object.');

export interface WebhookAttempt {
  attemptNumber: number;
  /** Emulator-clock ms sent as X-HubSpot-Request-Timestamp. */
  timestamp: number;
  status?: number;
  error?: string;
}

export interface WebhookBatchResult {
  eventIds: number[];
  delivered: boolean;
  attempts: WebhookAttempt[];
}

export interface WebhookSendResult {
  delivered: boolean;
  batches: WebhookBatchResult[];
}

export interface DeliverOptions {
  url: string;
  clientSecret: string;
  events: WebhookEvent[];
  /** Which `X-HubSpot-Signature` to send next to the v3 headers. Default v1 (what CRM subscriptions send). */
  signatureVersion?: 'v1' | 'v2' | 'v3';
  clock: Clock;
  retryDelaysMs: number[];
  timeoutMs: number;
}

export const MAX_EVENTS_PER_REQUEST = 100;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function deliverBatch(options: DeliverOptions, events: WebhookEvent[]): Promise<WebhookBatchResult> {
  const attempts: WebhookAttempt[] = [];
  const version = options.signatureVersion ?? 'v1';
  for (let attempt = 0; attempt <= options.retryDelaysMs.length; attempt++) {
    if (attempt > 0) await sleep(options.retryDelaysMs[attempt - 1] ?? 0);
    const body = JSON.stringify(events.map((event) => ({ ...event, attemptNumber: attempt })));
    const timestamp = options.clock.now();
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) (hubspot-emulator)',
      'X-HubSpot-Request-Timestamp': String(timestamp),
      'X-HubSpot-Signature-v3': signWebhookV3({ clientSecret: options.clientSecret, method: 'POST', uri: options.url, body, timestamp }),
      'X-HubSpot-Signature-Version': version,
      'X-HubSpot-Signature':
        version === 'v1'
          ? signWebhookV1({ clientSecret: options.clientSecret, body })
          : version === 'v2'
            ? signWebhookV2({ clientSecret: options.clientSecret, uri: options.url, body })
            : signWebhookV3({ clientSecret: options.clientSecret, uri: options.url, body, timestamp }),
    };
    const record: WebhookAttempt = { attemptNumber: attempt, timestamp };
    attempts.push(record);
    try {
      const response = await fetch(options.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs) });
      record.status = response.status;
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return { eventIds: events.map((event) => event.eventId), delivered: true, attempts };
    } catch (error) {
      record.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }
  return { eventIds: events.map((event) => event.eventId), delivered: false, attempts };
}

/** POSTs the events in arrays of at most 100, one batch after the other, retrying each as configured. */
export async function deliverWebhooks(options: DeliverOptions): Promise<WebhookSendResult> {
  const batches: WebhookBatchResult[] = [];
  for (let i = 0; i < options.events.length; i += MAX_EVENTS_PER_REQUEST) {
    batches.push(await deliverBatch(options, options.events.slice(i, i + MAX_EVENTS_PER_REQUEST)));
  }
  return { delivered: batches.every((batch) => batch.delivered), batches };
}
