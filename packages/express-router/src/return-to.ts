import { HubSpotKitError } from '@jobcannon/hubspot-core';
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

/** `base` with `hubspot=<outcome>` (and `reason`) set, replacing any that were there. */
export function withOutcome(base: string, outcome: { hubspot: 'connected' } | { hubspot: 'error'; reason: string }): string {
  const relative = base.startsWith('/');
  // A throwaway origin lets URL edit a path's query without us parsing it by hand.
  const url = new URL(base, 'http://return-to.invalid');
  url.searchParams.delete('reason');
  url.searchParams.set('hubspot', outcome.hubspot);
  if (outcome.hubspot === 'error') url.searchParams.set('reason', outcome.reason);
  return relative ? `${url.pathname}${url.search}${url.hash}` : url.toString();
}
