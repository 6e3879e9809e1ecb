import type { IncomingMessage } from 'node:http';
import { HubSpotKitError } from '@jobcannon/hubspot-core';

/** The widget sends this on every POST (packages/widget/src/client.ts). */
export const REQUESTED_WITH = 'jobcannon-hubspot-widget';

/** One header as a string (Node joins most repeats; the few arrays it keeps give their first value). */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function normalizeOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

/**
 * CSRF guard for state-changing routes. A cross-site HTML form can send neither a JSON content type
 * nor a custom header without a CORS preflight the host never grants, so one of them proves the
 * page that sent it runs under the host's origin; a foreign Origin header is refused outright.
 * `requestOrigin` is `protocol://host` as the client addressed it (the adapter knows its proxies).
 */
export function assertSameSite(req: IncomingMessage, requestOrigin: string, allowedOrigins: ReadonlySet<string>): void {
  const contentType = (headerValue(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  const requestedWith = headerValue(req, 'x-requested-with');
  if (contentType !== 'application/json' && requestedWith !== REQUESTED_WITH) {
    throw new HubSpotKitError('CROSS_SITE_REQUEST', `This request must be sent as JSON (Content-Type: application/json) or with X-Requested-With: ${REQUESTED_WITH}.`);
  }
  const origin = headerValue(req, 'origin');
  if (origin === undefined) return;
  const normalized = normalizeOrigin(origin);
  if (normalized === null || (normalized !== normalizeOrigin(requestOrigin) && !allowedOrigins.has(normalized))) {
    throw new HubSpotKitError('CROSS_SITE_REQUEST', 'This request came from another site and was refused.');
  }
}
