// Public API of @jobcannon/hubspot-core. Everything a host or adapter may use is exported here.
export { ERROR_CODES, HubSpotKitError, httpStatusForErrorCode, isHubSpotKitError } from './errors.js';
export type { HubSpotKitErrorCode, HubSpotKitErrorOptions } from './errors.js';

export { PROPERTY_DEFINITIONS, PROPERTY_GROUP, PROPERTY_NAMES } from './mapping/property-definitions.js';
export type { JcPropertyName, PropertyDefinition, PropertyFieldType, PropertyOption, PropertyType } from './mapping/property-definitions.js';
export {
  INVITE_STATUSES,
  TEST_SLUGS,
  TEST_STATUSES,
  assessmentInviteSchema,
  parseAssessmentInvite,
} from './mapping/assessment-invite.js';
export type {
  AssessmentInvite,
  AssignedTest,
  AssignedTestStatus,
  InviteStatus,
  ParsedAssessmentInvite,
  ResultEnvelope,
  TestSlug,
} from './mapping/assessment-invite.js';
export { mapInviteToProperties, normalizeEmail, resultUrlFor } from './mapping/map-invite.js';
export type { ContactProperties, MapInviteOptions } from './mapping/map-invite.js';

export { REQUIRED_SCOPES } from './integration/types.js';
export type {
  BootstrapReport,
  CompleteOAuthInput,
  CompleteOAuthResult,
  ConnectUrlOptions,
  ConnectionStatus,
  DrainOptions,
  DrainResult,
  EncryptionKeyring,
  EnqueueOutcome,
  FailureItem,
  FailurePage,
  HubSpotAppOptions,
  HubSpotIntegration,
  HubSpotIntegrationOptions,
  InProgressInviteSource,
  IntegrationStatus,
  IntegrationStatusReport,
  LastError,
  PortalInfo,
  PropertyDrift,
  QueueCounts,
  RateLimitOptions,
  RetryOptions,
  SweepPartialsOptions,
  SweepPartialsResult,
  SyncLogItem,
  WebhookEvent,
  WebhookHandlingResult,
} from './integration/types.js';
export { createHubSpotIntegration } from './integration/create-hubspot-integration.js';

export { backoffDelay, retryDelay } from './delivery/backoff.js';
export type { BackoffOptions } from './delivery/backoff.js';
export { bootstrapPortal } from './delivery/bootstrap.js';
export { createContactDelivery, MAX_BATCH_SIZE } from './delivery/contact-delivery.js';
export type { ContactDelivery, DeliveryError, DeliveryItem, DeliveryOutcome, PortalSession, RequestScheduler } from './delivery/contact-delivery.js';
export { DEFAULT_PORTAL_RATE_LIMIT, PortalRateLimiter, RateLimiterRegistry } from './delivery/portal-rate-limiter.js';
export type { PortalRateLimitOptions } from './delivery/portal-rate-limiter.js';
export { createCrmApi } from './hubspot/crm-api.js';
export type { CrmApi, CrmApiOptions, HubSpotResponse, UpsertInput, UpsertResponse } from './hubspot/crm-api.js';
export { HubSpotCallError } from './hubspot/hubspot-call-error.js';

export { createOAuthClient, OAuthGrantError } from './oauth/oauth-client.js';
export type { OAuthClient, TokenIntrospection, TokenSet } from './oauth/oauth-client.js';

export { createTelegramNotifier } from './notifier/telegram-notifier.js';
export type { TelegramNotifierOptions } from './notifier/telegram-notifier.js';
export { normalizeSignedUrl, signWebhookV1, signWebhookV3, verifyWebhookV3, WEBHOOK_MAX_AGE_MS } from './webhooks/webhook-signature.js';
export type { WebhookVerification } from './webhooks/webhook-signature.js';

export { createConsoleLogger, nullNotifier, realSleep, silentLogger, systemClock } from './ports/ports.js';
export type { Clock, Fetch, LogFields, Logger, Notification, NotificationKind, Notifier, Random, Sleep } from './ports/ports.js';

export { createTokenCipher, generateEncryptionKey } from './crypto/token-cipher.js';
export type { TokenCipher } from './crypto/token-cipher.js';
export { createEmbeddedDatabase, createPostgresDatabase } from './storage/database.js';
export { hubspotMigrationSource, hubspotMigratorConfig, runMigrations } from './storage/migration-source.js';
export type { HubSpotMigration, RunMigrationsOptions } from './storage/migration-source.js';
