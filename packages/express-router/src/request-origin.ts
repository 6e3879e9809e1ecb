import { HubSpotKitError } from '@jobcannon/hubspot-core';
import type { Request } from 'express';

/** The widget sends this on every POST (packages/widget/src/client.ts). */
export const REQUESTED_WITH = 'jobcannon-hubspot-widget';

type TrustFn = (address: string, hop: number) => boolean;

/**
 * `protocol://host[:port]` the client used, with Express's `trust proxy` semantics: X-Forwarded-Host
 * counts only when the app trusts the peer (what Express 5's `req.host` does; Express 4 has no
 * port-preserving equivalent, so we do it here for both).
 */
export function requestOrigin(req: Request): string {
  const trust = req.app.get('trust proxy fn') as TrustFn | undefined;
  const forwarded = req.get('X-Forwarded-Host');
  const peer = req.socket.remoteAddress ?? '';
  const host = forwarded && trust?.(peer, 0) ? (forwarded.split(',')[0] ?? '').trim() : (req.get('Host') ?? '');
  return `${req.protocol}://${host}`;
}

/** The full URL of this request as the client addressed it (for webhook signatures). */
export function requestUrl(req: Request): string {
  return `${requestOrigin(req)}${req.originalUrl}`;
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
 */
export function assertSameSite(req: Request, allowedOrigins: ReadonlySet<string>): void {
  const contentType = (req.get('Content-Type') ?? '').split(';')[0]?.trim().toLowerCase();
  const requestedWith = req.get('X-Requested-With');
  if (contentType !== 'application/json' && requestedWith !== REQUESTED_WITH) {
    throw new HubSpotKitError('CROSS_SITE_REQUEST', `This request must be sent as JSON (Content-Type: application/json) or with X-Requested-With: ${REQUESTED_WITH}.`);
  }
  const origin = req.get('Origin');
  if (origin === undefined) return;
  const normalized = normalizeOrigin(origin);
  if (normalized === null || (normalized !== normalizeOrigin(requestOrigin(req)) && !allowedOrigins.has(normalized))) {
    throw new HubSpotKitError('CROSS_SITE_REQUEST', 'This request came from another site and was refused.');
  }
}
