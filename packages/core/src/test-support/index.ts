/**
 * Test helpers for integration suites in every package (not part of core's runtime API; it imports
 * vitest). Adapters reach it through a package subpath export, never through core's internals.
 */
export {
  DEFAULT_TEST_SERVER_URL,
  createPgliteTestDatabase,
  createPostgresTestDatabase,
  describeEachBackend,
  storageBackends,
  testServerUrl,
  truncateHubSpotTables,
} from './test-databases.js';
export type {
  DescribeEachBackendOptions,
  PgliteTestDatabaseOptions,
  PostgresTestDatabase,
  StorageBackend,
  StorageBackendFactory,
  StorageBackendName,
  TestDatabase,
} from './test-databases.js';
export { T0, at, connectionInput, seedConnection, snapshotInput, uniqueOrgId } from './storage-fixtures.js';
export {
  TEST_BROWSER_NONCE,
  TEST_ENCRYPTION_KEY,
  TEST_ENCRYPTION_KEY_ID,
  TEST_REDIRECT_URI,
  TEST_RESULT_URL_BASE,
  completedInvite,
  connectOrg,
  createMovableClock,
  createRecordingNotifier,
  createTestIntegration,
  partialInvite,
  startTestEmulator,
} from './integration-harness.js';
export type { MovableClock } from './integration-harness.js';
