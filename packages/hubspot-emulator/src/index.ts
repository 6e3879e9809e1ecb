// Public API of @jobcannon/hubspot-emulator: a local HubSpot (OAuth, contact properties, batch
// upsert, rate limits, faults, webhooks) for tests, demos and benchmarks.

export { startEmulator, EmulatorControlError } from './server.js';
export type { Emulator, ContactSnapshot, EmulatorSnapshot, IssueTokensOptions, PartialWebhookEvent, SendWebhookOptions } from './server.js';
export type {
  AppConfig,
  Clock,
  ContactsOptions,
  EmulatorOptions,
  FaultKind,
  FaultRule,
  PortalConfig,
  PropertiesOptions,
  RateLimitOptions,
  RateLimitProfile,
  WebhookOptions,
} from './types.js';
export { createManualClock, systemClock } from './clock.js';
export type { ManualClock } from './clock.js';
export {
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  DEFAULT_APP,
  DEFAULT_AUTH_CODE_TTL_MS,
  DEFAULT_PORTALS,
  DEFAULT_RATE_LIMIT_MAX,
  DEFAULT_TOKEN_SCOPES,
  RATE_LIMIT_PROFILES,
} from './defaults.js';
export { AuthorizeError } from './authorize.js';
export type { AuthorizeRequest, AuthorizeResult } from './authorize.js';
export type { IssuedTokens } from './oauth.js';
export { ROUTE_NAMES } from './api-routes.js';
export { MAX_BATCH_INPUTS } from './contacts-api.js';
export type { CounterSet, CountersSnapshot, PortalCounters } from './counters.js';
export type { RequestLogEntry } from './request-log.js';
export type {
  AccessTokenRecord,
  AppState,
  AuthCodeRecord,
  ContactRecord,
  EmulatorState,
  GroupRecord,
  InstallRecord,
  PortalState,
  PropertyOption,
  PropertyRecord,
  RefreshTokenRecord,
} from './state.js';
export {
  MAX_EVENTS_PER_REQUEST,
  buildContactDeletionEvent,
  buildContactPrivacyDeletionEvent,
  normalizeSignatureUri,
  signWebhookV1,
  signWebhookV2,
  signWebhookV3,
  verifyWebhookV3,
} from './webhooks.js';
export type { ContactEventInput, SignV3Input, WebhookAttempt, WebhookBatchResult, WebhookEvent, WebhookSendResult, WebhookVerdict } from './webhooks.js';
export { isValidEmail } from './email-validation.js';
