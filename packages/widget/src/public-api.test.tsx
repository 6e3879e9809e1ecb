import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

// The public API is a promise to hosts (Clerk keeps the same guard): adding, renaming or removing
// an export must be a deliberate change to this list, reviewed like any other API change.
describe('@jobcannon/hubspot-widget public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual([
      'HubSpotIntegrationRow',
      'REQUESTED_WITH',
      'defaultMessages',
      'deriveView',
      'describeFailure',
      'describeProblems',
      'formatRelativeTime',
      'readOAuthRedirect',
      'useHubSpotIntegration',
    ]);
  });

  it('declares its entry and its stylesheet in package.json exports', () => {
    // happy-dom gives modules http: URLs, so resolve from the package directory instead.
    const packageDir = path.resolve(__dirname, '..');
    const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(manifest.exports).toEqual({
      '.': { '@jobcannon/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
      './styles.css': './src/styles.css',
    });
    expect(existsSync(path.join(packageDir, 'src/styles.css'))).toBe(true);
  });
});
