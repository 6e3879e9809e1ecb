import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { HubSpotIntegration } from '@jobcannon/hubspot-core';
import { createHubSpotHttpHandler } from './hubspot-http-handler.js';
import { headerValue } from './request-origin.js';
import type { HubSpotHandlerOptions } from './router-options.js';

export interface HubSpotNodeHandlerOptions extends HubSpotHandlerOptions<IncomingMessage> {
  /** Where the routes live, e.g. `/integrations/hubspot` (default: the root). */
  mountPath?: string;
  /**
   * Take protocol and host from X-Forwarded-Proto / X-Forwarded-Host (first value). Only behind a
   * proxy that sets them: otherwise any client could pick the origin the CSRF check compares with.
   */
  trustProxy?: boolean;
}

const firstValue = (value: string | undefined): string | undefined => value?.split(',')[0]?.trim() || undefined;

function nodeOrigin(req: IncomingMessage, trustProxy: boolean): string {
  const encrypted = (req.socket as Partial<TLSSocket>).encrypted === true;
  const protocol = (trustProxy ? firstValue(headerValue(req, 'x-forwarded-proto')) : undefined) ?? (encrypted ? 'https' : 'http');
  const host = (trustProxy ? firstValue(headerValue(req, 'x-forwarded-host')) : undefined) ?? headerValue(req, 'host') ?? '';
  return `${protocol}://${host}`;
}

/**
 * The same routes for a plain node:http server (or any framework that exposes Node's request and
 * response). Resolves true when it answered; false when the path is not ours, for the host to answer.
 *
 *   const hubspot = createHubSpotNodeHandler(integration, { authorize, returnTo: '/', mountPath: '/integrations/hubspot' });
 *   http.createServer(async (req, res) => { if (!(await hubspot(req, res))) { res.statusCode = 404; res.end(); } });
 */
export function createHubSpotNodeHandler(integration: HubSpotIntegration, options: HubSpotNodeHandlerOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const { mountPath = '', trustProxy = false, ...handlerOptions } = options;
  const mount = mountPath.replace(/\/+$/, '');
  const handle = createHubSpotHttpHandler(integration, handlerOptions);
  return async (req, res) => {
    const url = req.url ?? '/';
    const below = url.slice(mount.length);
    // `/integrations/hubspotX` is not below `/integrations/hubspot`.
    if (!url.startsWith(mount) || (below !== '' && !below.startsWith('/') && !below.startsWith('?'))) return false;
    return handle({ req, res, hostRequest: req, path: below.startsWith('/') ? below : `/${below}`, origin: nodeOrigin(req, trustProxy), originalUrl: url });
  };
}
