import { validationError, type Reply } from './replies.js';
import { requireAuth, type RequestContext } from './routing.js';
import type { PortalState } from './state.js';

// The `{objectType}` path segment of the contacts and properties endpoints: the emulator only models
// contacts, so any other object type is refused the way HubSpot refuses a name it cannot resolve.

export function isContactsObjectType(raw: string): boolean {
  const lower = raw.toLowerCase();
  return lower === 'contacts' || lower === 'contact' || lower === '0-1';
}

export function objectTypeError(correlationId: string, raw: string): Reply {
  return validationError(correlationId, `Unable to infer object type from: ${raw}`);
}

/** Resolves the portal and checks the `{objectType}` path segment. */
export function withContactsPortal(fn: (ctx: RequestContext, portal: PortalState) => Reply): (ctx: RequestContext) => Reply {
  return (ctx) => {
    const { portal } = requireAuth(ctx);
    const objectType = ctx.params.objectType ?? '';
    if (!isContactsObjectType(objectType)) return objectTypeError(ctx.correlationId, objectType);
    return fn(ctx, portal);
  };
}
