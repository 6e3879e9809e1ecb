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
