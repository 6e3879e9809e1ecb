import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

// The public API is a promise to hosts (Clerk keeps the same guard): adding, renaming or removing
// an export must be a deliberate change to this list, reviewed like any other API change.
describe('@jobcannon/hubspot-widget public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(['HubSpotIntegrationRow', 'REQUESTED_WITH', 'deriveView', 'describeProblems', 'formatRelativeTime', 'readOAuthRedirect', 'useHubSpotIntegration']);
  });

  it('declares its entry and its stylesheet in package.json exports', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, unknown> };
    expect(manifest.exports).toEqual({
      '.': { '@jobcannon/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
      './styles.css': './src/styles.css',
    });
    expect(existsSync(new URL('./styles.css', import.meta.url))).toBe(true);
  });
});
