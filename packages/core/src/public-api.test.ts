import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

// The public API is a promise to hosts (Clerk keeps the same guard): adding, renaming or removing
// an export must be a deliberate change to this list, reviewed like any other API change.
describe('@jobcannon/hubspot-core public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual([
      'DEFAULT_RETRY_POLICY',
      'ERROR_CODES',
      'HubSpotKitError',
      'INVITE_STATUSES',
      'MAX_FAILURE_IDS_PER_CALL',
      'MERGE_POLICIES',
      'METRIC_NAMES',
      'PROPERTY_DEFINITIONS',
      'PROPERTY_GROUP',
      'PROPERTY_NAMES',
      'REQUIRED_SCOPES',
      'TEST_SLUGS',
      'TEST_STATUSES',
      'assessmentInviteSchema',
      'createConsoleLogger',
      'createEmbeddedDatabase',
      'createHubSpotIntegration',
      'createPostgresDatabase',
      'createTelegramNotifier',
      'decideRetry',
      'fromPino',
      'generateEncryptionKey',
      'httpStatusForErrorCode',
      'hubspotMigrationSource',
      'hubspotMigratorConfig',
      'isHubSpotKitError',
      'isRetryableErrorCode',
      'mapInviteToProperties',
      'normalizeEmail',
      'parseAssessmentInvite',
      'resultUrlFor',
      'runMigrations',
      'signWebhookV3',
      'signWebhookV3RawUri',
      'silentLogger',
      'systemClock',
      'verifyWebhookV3',
    ]);
  });

  it('declares its entry in package.json exports (sources for tests, dist for hosts)', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, Record<string, string>> };
    expect(manifest.exports['.']).toEqual({ '@jobcannon/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' });
  });
});
