// Public API of @jobcannon/hubspot-express.
export { createHubSpotRouter } from './create-hubspot-router.js';
export type { ExpressAuthorizeHook, HubSpotRouterOptions } from './create-hubspot-router.js';
export { createHubSpotNodeHandler } from './node-handler.js';
export type { HubSpotNodeHandlerOptions } from './node-handler.js';
export { createHubSpotHttpHandler } from './hubspot-http-handler.js';
export type { HubSpotHttpExchange, HubSpotHttpHandler } from './hubspot-http-handler.js';
export type { AuthorizeHook, HubSpotHandlerOptions, HubSpotRouterIdentity } from './router-options.js';
export type { ErrorBody } from './http-response.js';
export { REQUESTED_WITH } from './request-origin.js';
