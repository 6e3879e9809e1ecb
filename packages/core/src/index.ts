// Public API of @jobcannon/hubspot-core. Everything a host or adapter may use is exported here.
export { ERROR_CODES, HubSpotKitError, httpStatusForErrorCode, isHubSpotKitError, isRetryableErrorCode } from './errors.js';
export type { ErrorCodeDefinition, ErrorDetails, HubSpotKitErrorCode, HubSpotKitErrorOptions } from './errors.js';

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
export { MERGE_POLICIES, mapInviteToProperties, normalizeEmail, resultUrlFor } from './mapping/map-invite.js';
export type { CarriedTest, ContactProperties, MapInviteOptions, MergePolicy, StatusPropertyName } from './mapping/map-invite.js';

export { REQUIRED_SCOPES } from './integration/types.js';
export type {
  BackfillRunResult,
  BackfillStatus,
  BootstrapReport,
  CompletedInviteSource,
  RecentPush,
  SetupProgress,
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
  ReencryptTokensOptions,
  ReencryptTokensReport,
  RetryOptions,
  SweepPartialsOptions,
  SweepPartialsResult,
  SyncLogItem,
  WebhookEvent,
  WebhookHandlingResult,
  WebhookRequest,
  WebhookResponse,
} from './integration/types.js';
export { createHubSpotIntegration } from './integration/create-hubspot-integration.js';
export { MAX_FAILURE_IDS_PER_CALL } from './storage/failures-repository.js';

export { DEFAULT_RETRY_POLICY, decideRetry } from './retry/retry-policy.js';
export type { RetryContext, RetryFailure, RetryPolicyOptions, RetryStep } from './retry/retry-policy.js';

export { createTelegramNotifier } from './notifier/telegram-notifier.js';
export type { TelegramNotifierOptions } from './notifier/telegram-notifier.js';
export { signWebhookV3, signWebhookV3RawUri, verifyWebhookV3 } from './webhooks/webhook-signature.js';
export type { WebhookVerification } from './webhooks/webhook-signature.js';

export { createConsoleLogger, silentLogger, systemClock } from './ports/ports.js';
export { fromPino } from './metrics/logger-adapters.js';
export type { PinoLikeLogger } from './metrics/logger-adapters.js';
export { METRIC_NAMES } from './metrics/metric-names.js';
export type { MetricsOptions, MetricsSnapshot } from './metrics/kit-metrics.js';
export type { OutboxFigures } from './metrics/outbox-figures.js';
export type { Clock, Fetch, LogFields, Logger, Notification, NotificationKind, Notifier, Random, Sleep } from './ports/ports.js';

export { generateEncryptionKey } from './crypto/token-cipher.js';
export { createEmbeddedDatabase, createPostgresDatabase } from './storage/database.js';
export { hubspotMigrationSource, hubspotMigratorConfig, runMigrations } from './storage/migration-source.js';
export type { HubSpotMigration, RunMigrationsOptions } from './storage/migration-source.js';
