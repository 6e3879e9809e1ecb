// Public API: the drop-in row, the headless hook it is built on, the messages table and the
// helpers that word a status or a failure with it, and the contract types.
export { HubSpotIntegrationRow, type HubSpotIntegrationRowProps } from './hubspot-integration-row.js';
export {
  useHubSpotIntegration,
  type HubSpotIntegration,
  type HubSpotIntegrationActions,
  type UseHubSpotIntegrationOptions,
} from './use-hubspot-integration.js';
export { formatRelativeTime } from './format-relative-time.js';
export { defaultMessages, type CodeMessage, type MessageCode, type MessageContext, type MessageOverrides, type Messages, type MessageText, type UiMessages } from './messages.js';
export { deriveView, describeFailure, describeProblems, readOAuthRedirect, type OAuthRedirect, type Sentence } from './describe.js';
export { REQUESTED_WITH } from './client.js';
export type { ClassNames, SlotName } from './slots.js';
export type * from './types.js';
