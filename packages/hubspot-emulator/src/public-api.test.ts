import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

// The public API is a promise to hosts (Clerk keeps the same guard): adding, renaming or removing
// an export must be a deliberate change to this list, reviewed like any other API change.
describe('@jobcannon/hubspot-emulator public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual([
      'AuthorizeError',
      'DEFAULT_ACCESS_TOKEN_TTL_SECONDS',
      'DEFAULT_APP',
      'DEFAULT_AUTH_CODE_TTL_MS',
      'DEFAULT_PORTALS',
      'DEFAULT_RATE_LIMIT_MAX',
      'DEFAULT_TOKEN_SCOPES',
      'EmulatorControlError',
      'MAX_BATCH_INPUTS',
      'MAX_EVENTS_PER_REQUEST',
      'RATE_LIMIT_PROFILES',
      'ROUTE_NAMES',
      'buildContactDeletionEvent',
      'buildContactPrivacyDeletionEvent',
      'createManualClock',
      'isValidEmail',
      'normalizeSignatureUri',
      'signWebhookV1',
      'signWebhookV2',
      'signWebhookV3',
      'startEmulator',
      'systemClock',
      'verifyWebhookV3',
    ]);
  });

  it('declares its entry in package.json exports (sources for tests, dist for hosts)', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, Record<string, string>> };
    expect(manifest.exports['.']).toEqual({ '@jobcannon/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' });
  });
});
