import { HubSpotKitError, isHubSpotKitError } from '@jobcannon/hubspot-core';
import type { HubSpotHandlerOptions } from './router-options.js';

type ReturnTo<HostRequest> = HubSpotHandlerOptions<HostRequest>['returnTo'];

/** Control characters (browsers strip tabs and newlines from URLs, which can turn `/\t/x` into `//x`). */
const hasControlCharacter = (value: string): boolean => [...value].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);

/** A path on the host's own origin: one leading slash, no `//` or `\` that a browser could read as another host. */
function isSameOriginPath(value: string): boolean {
  return value.startsWith('/') && !value.startsWith('//') && !value.includes('\\') && !hasControlCharacter(value);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !hasControlCharacter(value);
  } catch {
    return false;
  }
}

/** Checked once, when the router is built: a bad static `returnTo` is a configuration error. */
export function validateReturnToOption(returnTo: ReturnTo<never>): void {
  if (typeof returnTo === 'function') return;
  if (typeof returnTo !== 'string' || !(isSameOriginPath(returnTo) || isHttpUrl(returnTo))) {
    throw new HubSpotKitError('INVALID_OPTIONS', 'createHubSpotRouter: `returnTo` must be a path ("/settings/integrations"), an absolute http(s) URL, or a function returning a path.');
  }
}

/**
 * The callback's destination. Only ever the host's configuration: a function's result must be a
 * same-origin path, because it may be derived from the request and the request is the attacker's.
 */
export function resolveReturnTo<HostRequest>(returnTo: ReturnTo<HostRequest>, req: HostRequest): string {
  if (typeof returnTo === 'string') return returnTo;
  const value = returnTo(req);
  if (typeof value !== 'string' || !isSameOriginPath(value)) {
    throw new HubSpotKitError('INTERNAL', 'The returnTo option did not return a same-origin path; the host must fix its configuration.');
  }
  return value;
}

/** Every parameter the callback may add; all are replaced, so an old outcome never lingers in `returnTo`. */
const OUTCOME_PARAMS = ['hubspot', 'reason', 'portalId', 'portalDomain', 'previousPortalId', 'previousPortalDomain', 'sharedWith'] as const;

export type PortalFact = Exclude<(typeof OUTCOME_PARAMS)[number], 'hubspot' | 'reason'>;

/**
 * What the callback tells the page: `connected`; `error` with a reason code (and, for a portal
 * the admin must decide about, which portals); or `unchanged` with a reason: something was
 * refused but the org's live connection is as it was (a reused callback URL, a Deny on a reconnect).
 */
export type CallbackOutcome =
  | { hubspot: 'connected' }
  | { hubspot: 'error' | 'unchanged'; reason: string; facts?: Partial<Record<PortalFact, string>> };

/** `base` with `hubspot=<outcome>` (and `reason`, and the portal facts) set, replacing any that were there. */
export function withOutcome(base: string, outcome: CallbackOutcome): string {
  const relative = base.startsWith('/');
  // A throwaway origin lets URL edit a path's query without us parsing it by hand.
  const url = new URL(base, 'http://return-to.invalid');
  for (const name of OUTCOME_PARAMS) url.searchParams.delete(name);
  url.searchParams.set('hubspot', outcome.hubspot);
  if (outcome.hubspot !== 'connected') {
    url.searchParams.set('reason', outcome.reason);
    for (const [name, value] of Object.entries(outcome.facts ?? {})) if (value !== undefined) url.searchParams.set(name, value);
  }
  return relative ? `${url.pathname}${url.search}${url.hash}` : url.toString();
}

/** A DNS host name (what HubSpot reports as a portal's domain), nothing that could carry markup or a path. */
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

export const safeHostname = (value: unknown): string | undefined => (typeof value === 'string' && HOSTNAME.test(value) ? value.toLowerCase() : undefined);
const safeCount = (value: unknown): string | undefined => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined);

/** Refusals that leave a live connection untouched: shown as a neutral note, never as a failure. */
const HARMLESS_WHILE_CONNECTED = new Set(['OAUTH_STATE_INVALID', 'OAUTH_STATE_EXPIRED', 'OAUTH_DENIED']);
/** Refusals about which portal was approved: the page needs to name it (and the org's own one). */
const PORTAL_DECISIONS = new Set(['PORTAL_MISMATCH', 'PORTAL_SHARED', 'PORTAL_IN_USE']);

/**
 * The callback's outcome for a refusal. The portal facts ride on the redirect because nothing
 * else holds them: a refused connect stores no connection (the org may have none), so no status
 * read could name the approved portal. Only a numeric id, a count and a strict host name go into
 * the URL, and the widget renders them as text; a forged link can at most name another portal,
 * and "Connect anyway" re-runs HubSpot's consent, where the admin picks the portal again.
 */
export async function callbackOutcome(error: unknown, connectedNow: () => Promise<boolean>): Promise<CallbackOutcome> {
  if (!isHubSpotKitError(error)) return { hubspot: 'error', reason: 'INTERNAL' };
  if (HARMLESS_WHILE_CONNECTED.has(error.code) && (await connectedNow())) return { hubspot: 'unchanged', reason: error.code };
  if (!PORTAL_DECISIONS.has(error.code)) return { hubspot: 'error', reason: error.code };
  const d = error.details;
  const facts: Partial<Record<PortalFact, string>> = {
    portalId: safeCount(d.portalId),
    portalDomain: safeHostname(d.portalDomain),
    previousPortalId: safeCount(d.previousPortalId),
    previousPortalDomain: safeHostname(d.previousPortalDomain),
    sharedWith: safeCount(d.sharedWith),
  };
  return { hubspot: 'error', reason: error.code, facts };
}
