import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** HubSpot rejects nothing older than this; neither do we (v3 timestamps are epoch ms). */
export const WEBHOOK_MAX_AGE_MS = 5 * 60_000;

/**
 * HubSpot's docs decode only these escapes in the URL before signing (hubspot-api.md §7);
 * everything else stays encoded, so a general decodeURIComponent would be wrong.
 */
const DECODED_ESCAPES: Record<string, string> = {
  '%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$', '%27': "'", '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';',
};

/** The URI as the docs' table says HubSpot signs it (12 escapes decoded). */
export function normalizeSignedUrl(url: string): string {
  return url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (match) => DECODED_ESCAPES[match.toUpperCase()] ?? match);
}

type Body = string | Uint8Array;

function hmacV3(clientSecret: string, method: string, uri: string, body: Body, timestamp: string | number): Buffer {
  // The body is hashed as the bytes that arrived: decoding and re-encoding could alter invalid UTF-8.
  return createHmac('sha256', clientSecret)
    .update(`${method.toUpperCase()}${uri}`, 'utf8')
    .update(body)
    .update(String(timestamp), 'utf8')
    .digest();
}

/** A v3 signature the docs' way: the 12 escapes decoded before hashing (what the emulator sends). */
export function signWebhookV3(input: { clientSecret: string; method: string; url: string; body: Body; timestamp: string | number }): string {
  return hmacV3(input.clientSecret, input.method, normalizeSignedUrl(input.url), input.body, input.timestamp).toString('base64');
}

/** A v3 signature the official clients' way (`Signature.getSignature` in @hubspot/api-client): the URI hashed as is. */
export function signWebhookV3RawUri(input: { clientSecret: string; method: string; url: string; body: Body; timestamp: string | number }): string {
  return hmacV3(input.clientSecret, input.method, input.url, input.body, input.timestamp).toString('base64');
}

export function signWebhookV1(input: { clientSecret: string; body: string }): string {
  return createHash('sha256').update(`${input.clientSecret}${input.body}`, 'utf8').digest('hex');
}

export type WebhookVerification =
  | { valid: true; /** Which reading of the URI the signature was computed over. */ uri: 'decoded' | 'raw' }
  | { valid: false; reason: 'missing_signature' | 'missing_timestamp' | 'stale' | 'future' | 'mismatch' };

/** Constant-time equality of a base64 signature with a digest; a malformed signature never matches. */
function matches(given: Buffer, expected: Buffer): boolean {
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Checks a v3 signature: HMAC-SHA256 over method + URI + raw body + timestamp. HubSpot's docs
 * decode 12 escapes in the URI before hashing, its own Node and Python clients decode nothing
 * (hubspot-api.md §11), so a URI holding one of them verifies under one reading only: both HMACs
 * are computed and each is compared in constant time. The timestamp may be `maxAgeMs` old, and
 * as far ahead: neither HubSpot nor its clients refuse a future timestamp, and a host clock a
 * minute slow must not refuse every delivery.
 */
export function verifyWebhookV3(input: {
  clientSecret: string;
  method: string;
  url: string;
  rawBody: Body;
  signature: string | undefined | null;
  timestamp: string | undefined | null;
  now: number;
  maxAgeMs?: number;
}): WebhookVerification {
  if (!input.signature) return { valid: false, reason: 'missing_signature' };
  const timestamp = Number(input.timestamp);
  if (!input.timestamp || !/^\d+$/.test(input.timestamp) || !Number.isSafeInteger(timestamp)) return { valid: false, reason: 'missing_timestamp' };
  const window = input.maxAgeMs ?? WEBHOOK_MAX_AGE_MS;
  if (input.now - timestamp > window) return { valid: false, reason: 'stale' };
  if (timestamp - input.now > window) return { valid: false, reason: 'future' };

  const given = Buffer.from(input.signature, 'utf8');
  const decoded = Buffer.from(hmacV3(input.clientSecret, input.method, normalizeSignedUrl(input.url), input.rawBody, input.timestamp).toString('base64'), 'utf8');
  const raw = Buffer.from(hmacV3(input.clientSecret, input.method, input.url, input.rawBody, input.timestamp).toString('base64'), 'utf8');
  // Both comparisons always run, so the time taken says nothing about which reading (if any) matched.
  const decodedMatches = matches(given, decoded);
  const rawMatches = matches(given, raw);
  if (decodedMatches) return { valid: true, uri: 'decoded' };
  if (rawMatches) return { valid: true, uri: 'raw' };
  return { valid: false, reason: 'mismatch' };
}
