import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

// The public API is a promise to hosts (Clerk keeps the same guard): adding, renaming or removing
// an export must be a deliberate change to this list, reviewed like any other API change.
describe('@jobcannon/hubspot-express public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual([
      'REQUESTED_WITH',
      'createHubSpotHttpHandler',
      'createHubSpotNodeHandler',
      'createHubSpotRouter',
    ]);
  });

  it('declares its entry in package.json exports (sources for tests, dist for hosts)', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, Record<string, string>> };
    expect(manifest.exports['.']).toEqual({ '@jobcannon/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' });
  });
});
