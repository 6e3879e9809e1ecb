import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** HubSpot rejects nothing older than this; neither do we (v3 timestamps are epoch ms). */
export const WEBHOOK_MAX_AGE_MS = 5 * 60_000;

/**
 * HubSpot decodes only these escapes in the URL before signing (hubspot-api.md §7); everything else
 * stays encoded, so we must not run a general decodeURIComponent.
 */
const DECODED_ESCAPES: Record<string, string> = {
  '%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$', '%27': "'", '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';',
};

export function normalizeSignedUrl(url: string): string {
  return url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (match) => DECODED_ESCAPES[match.toUpperCase()] ?? match);
}

export function signWebhookV3(input: { clientSecret: string; method: string; url: string; body: string; timestamp: string | number }): string {
  return createHmac('sha256', input.clientSecret)
    .update(`${input.method.toUpperCase()}${normalizeSignedUrl(input.url)}${input.body}${input.timestamp}`, 'utf8')
    .digest('base64');
}

export function signWebhookV1(input: { clientSecret: string; body: string }): string {
  return createHash('sha256').update(`${input.clientSecret}${input.body}`, 'utf8').digest('hex');
}

export type WebhookVerification =
  | { valid: true }
  | { valid: false; reason: 'missing_signature' | 'missing_timestamp' | 'stale' | 'future' | 'mismatch' };

/**
 * Checks a v3 signature: HMAC-SHA256 over method + exact URL + raw body + timestamp, compared in
 * constant time, refusing timestamps older than five minutes (or more than a little in the future,
 * which the official helper wrongly accepts).
 */
export function verifyWebhookV3(input: {
  clientSecret: string;
  method: string;
  url: string;
  rawBody: string;
  signature: string | undefined | null;
  timestamp: string | undefined | null;
  now: number;
  maxAgeMs?: number;
  maxFutureSkewMs?: number;
}): WebhookVerification {
  if (!input.signature) return { valid: false, reason: 'missing_signature' };
  const timestamp = Number(input.timestamp);
  if (!input.timestamp || !Number.isFinite(timestamp)) return { valid: false, reason: 'missing_timestamp' };
  if (input.now - timestamp > (input.maxAgeMs ?? WEBHOOK_MAX_AGE_MS)) return { valid: false, reason: 'stale' };
  if (timestamp - input.now > (input.maxFutureSkewMs ?? 60_000)) return { valid: false, reason: 'future' };
  const expected = Buffer.from(signWebhookV3({ clientSecret: input.clientSecret, method: input.method, url: input.url, body: input.rawBody, timestamp: input.timestamp }));
  const given = Buffer.from(input.signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? { valid: true } : { valid: false, reason: 'mismatch' };
}
