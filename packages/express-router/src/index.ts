// Public API of @jobcannon/hubspot-express.
export { createHubSpotRouter } from './create-hubspot-router.js';
export type { AuthorizeHook, HubSpotRouterIdentity, HubSpotRouterOptions } from './router-options.js';
export type { ErrorBody } from './send-error.js';
export { REQUESTED_WITH } from './request-origin.js';
