import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { headerValue } from './request-origin.js';

/**
 * The browser half of the OAuth state: `/connect` puts a random nonce in an HttpOnly cookie and
 * core binds its hash to the state; `/callback` reads it back. A consent link opened in any other
 * browser arrives without it and is refused (OAUTH_BROWSER_MISMATCH).
 *
 * On https the cookie is `__Host-` prefixed (Secure, Path=/, no Domain), so neither a sibling
 * subdomain nor a plain-http page can plant one; over http (local development) it cannot be.
 * SameSite=Lax: HubSpot's redirect back is a top-level cross-site GET, which Lax cookies ride on.
 */
const BASE_NAME = 'jc_hubspot_oauth';
/** Longer than any sensible state lifetime (core's default is 10 minutes); the callback clears it anyway. */
const MAX_AGE_SECONDS = 60 * 60;

const isHttps = (origin: string): boolean => origin.toLowerCase().startsWith('https:');
export const nonceCookieName = (origin: string): string => (isHttps(origin) ? `__Host-${BASE_NAME}` : BASE_NAME);

function cookieAttributes(origin: string, maxAgeSeconds: number): string {
  return ['Path=/', 'HttpOnly', 'SameSite=Lax', ...(isHttps(origin) ? ['Secure'] : []), `Max-Age=${maxAgeSeconds}`].join('; ');
}

/** Appends, never replaces: a host may set its own cookies on the same response. */
function appendSetCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader('Set-Cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  res.setHeader('Set-Cookie', [...list, cookie]);
}

/** A fresh nonce (32 random bytes, base64url), set on the response; returns it for core. */
export function issueNonceCookie(res: ServerResponse, origin: string): string {
  const nonce = randomBytes(32).toString('base64url');
  appendSetCookie(res, `${nonceCookieName(origin)}=${nonce}; ${cookieAttributes(origin, MAX_AGE_SECONDS)}`);
  return nonce;
}

/** Spent with the state it belongs to. */
export function clearNonceCookie(res: ServerResponse, origin: string): void {
  appendSetCookie(res, `${nonceCookieName(origin)}=; ${cookieAttributes(origin, 0)}`);
}

/**
 * The nonce this browser holds, or null. On https only the `__Host-` cookie counts: an
 * unprefixed one could have been set by another subdomain or over http.
 */
export function readNonceCookie(req: IncomingMessage, origin: string): string | null {
  const name = nonceCookieName(origin);
  const header = headerValue(req, 'cookie') ?? '';
  let found: string | null = null;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator === -1 || part.slice(0, separator).trim() !== name) continue;
    const value = part.slice(separator + 1).trim();
    // Two cookies of the same name (one planted with another Path): trust neither.
    if (found !== null && found !== value) return null;
    found = value;
  }
  return found !== null && /^[A-Za-z0-9_-]{22,512}$/.test(found) ? found : null;
}
