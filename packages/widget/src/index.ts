// Public API: the drop-in row, the headless hook it is built on, the contract types and helpers.
export { HubSpotIntegrationRow, type HubSpotIntegrationRowProps } from './hubspot-integration-row.js';
export {
  useHubSpotIntegration,
  type HubSpotIntegration,
  type HubSpotIntegrationActions,
  type UseHubSpotIntegrationOptions,
} from './use-hubspot-integration.js';
export { formatRelativeTime } from './format-relative-time.js';
export { deriveView, describeProblems, readOAuthRedirect, type OAuthRedirect } from './messages.js';
export { REQUESTED_WITH } from './client.js';
export type { ClassNames, SlotName } from './slots.js';
export type * from './types.js';
