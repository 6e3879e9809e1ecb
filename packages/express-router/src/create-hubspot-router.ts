import type { HubSpotIntegration } from '@jobcannon/hubspot-core';
import express, { type Request, type Router } from 'express';
import { createHubSpotHttpHandler } from './hubspot-http-handler.js';
import type { AuthorizeHook, HubSpotHandlerOptions } from './router-options.js';

/** The options of the Express adapter: the host's hooks receive Express's `req`. */
export type HubSpotRouterOptions = HubSpotHandlerOptions<Request>;
export type ExpressAuthorizeHook = AuthorizeHook<Request>;

type TrustFn = (address: string, hop: number) => boolean;

/**
 * `protocol://host[:port]` the client used, with Express's `trust proxy` semantics: X-Forwarded-Host
 * counts only when the app trusts the peer (what Express 5's `req.host` does; Express 4 has no
 * port-preserving equivalent, so we do it here for both). `req.protocol` honours X-Forwarded-Proto likewise.
 */
function expressOrigin(req: Request): string {
  const trust = req.app.get('trust proxy fn') as TrustFn | undefined;
  const forwarded = req.get('X-Forwarded-Host');
  const host = forwarded && trust?.(req.socket.remoteAddress ?? '', 0) ? (forwarded.split(',')[0] ?? '').trim() : (req.get('Host') ?? '');
  return `${req.protocol}://${host}`;
}

/**
 * The Express router a host mounts (Express 4.17+ and 5): a shim over the framework-neutral
 * handler. Express's `req`/`res` are Node's, so they pass straight through; Express only adds
 * where we are mounted (`req.url` is below the mount, `req.originalUrl` is not) and its proxy trust.
 */
export function createHubSpotRouter(integration: HubSpotIntegration, options: HubSpotRouterOptions): Router {
  const handle = createHubSpotHttpHandler(integration, options);
  const router = express.Router();
  router.use((req, res, next) => {
    // Express 4 ignores rejected promises; the handler never rejects, and `next` covers the impossible.
    handle({ req, res, hostRequest: req, path: req.url, origin: expressOrigin(req), originalUrl: req.originalUrl }).then((handled) => {
      if (!handled) next();
    }, next);
  });
  return router;
}
